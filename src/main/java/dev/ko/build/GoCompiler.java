package dev.ko.build;

import dev.ko.concurrent.Slots;
import dev.ko.concurrent.TaskGroup;
import dev.ko.io.FileLocks;
import dev.ko.log.Log;
import dev.ko.oci.LayerSink;
import dev.ko.oci.Platform;
import dev.ko.sbom.SbomAttacher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Compiles a main package for a platform with {@code go build} into its persistent output under the
 * cache (so an unchanged package links nothing) and layers the binary, reusing the layer while the
 * binary is unchanged. At most {@code -j} go builds run at once; one output is written by one build
 * at a time, in this process (a permit, taken before the task is submitted) and across processes (a
 * file lock).
 */
final class GoCompiler {
  private final BuildOptions options;
  private final GoToolchain go;
  private final GoPackages packages;
  private final SbomAttacher sboms;
  private final Log log;
  private final Slots goBuilds;
  private final EarlyGo early;
  private final BinaryLayerCache binaryLayers = new BinaryLayerCache();
  private final LayerSink.PerImage layerSinks;
  private final ConcurrentMap<Path, Slots> outputs = new ConcurrentHashMap<>();

  GoCompiler(
      BuildOptions options,
      GoToolchain go,
      GoPackages packages,
      SbomAttacher sboms,
      EarlyGo early,
      LayerSink.PerImage layerSinks,
      Log log) {
    this.layerSinks = layerSinks;
    this.options = options;
    this.early = early;
    this.go = go;
    this.packages = packages;
    this.sboms = sboms;
    this.log = log;
    this.goBuilds = new Slots(options.jobs());
  }

  /**
   * The binary layer (and its {@code go version -m} text when SBOMs are on) of the import path for
   * the platform, whose Go environment {@code buildKey} names.
   */
  CompletableFuture<Compiled> compile(
      TaskGroup tasks,
      String importPath,
      Platform platform,
      String buildKey,
      String appName,
      byte[] capabilities) {
    Path outDir = options.cacheDirectory().resolve("bin").resolve(importPath).resolve(buildKey);
    Slots output = outputs.computeIfAbsent(outDir, d -> new Slots(1));
    return tasks.fork(
        List.of(output, goBuilds),
        permits -> {
          Instant started = Instant.now();
          BuildConfig config = packages.config(importPath);
          Map<String, String> env = BuildSettings.environment(options, config, platform);
          List<String> flags = packages.goBuildFlags(importPath, env);
          Invocation invocation = new Invocation(flags, importPath, env, started);
          Path dir = packages.directoryFor(importPath);
          Optional<EarlyGo.Taken> built = early.take(dir, env, flags, importPath);
          if (built.isPresent()) {
            permits.get(1).release(); // built already: no go build slot needed
            log.debug("go build " + importPath + " for " + platform + " done (started early)");
            try {
              return layer(built.get().out(), appName, platform, capabilities, tasks, invocation);
            } finally {
              built.get().release();
            }
          }
          Files.createDirectories(outDir);
          FileLocks.Held lock = FileLocks.lock(outDir.resolve(".lock"));
          try {
            Path out = outDir.resolve("out");
            goBuild(importPath, platform, dir, env, flags, out);
            permits.get(1).release(); // the go build slot; the output stays ours while we layer it
            return layer(out, appName, platform, capabilities, tasks, invocation);
          } finally {
            lock.close();
          }
        });
  }

  /** The binary's layer (and SBOM text), from the cache while the binary is unchanged. */
  private Compiled layer(
      Path out,
      String appName,
      Platform platform,
      byte[] capabilities,
      TaskGroup tasks,
      Invocation invocation)
      throws IOException {
    boolean windows = platform.os().equals("windows");
    String appPath = ImageAssembly.appPath(appName, windows);
    BinaryLayerCache.Entry entry =
        binaryLayers.get(
            out,
            appName,
            windows,
            capabilities,
            sboms.enabled() || options.supplyChain().provenance()
                ? () -> SbomAttacher.inImagePath(versionM(out), out.toString(), appPath)
                : null,
            tasks,
            layerSinks.forImportPath(invocation.importPath()));
    log.debug("binary layer " + entry.layer().digest() + " ready");
    List<String> goBuild = new ArrayList<>(List.of("build"));
    goBuild.addAll(invocation.flags());
    goBuild.add(invocation.importPath());
    return new Compiled(
        entry.layer(),
        entry.versionM(),
        goBuild,
        invocation.env(),
        invocation.started(),
        Instant.now());
  }

  /** What {@code go build} was run with, for the provenance. */
  private record Invocation(
      List<String> flags, String importPath, Map<String, String> env, Instant started) {}

  private void goBuild(
      String importPath,
      Platform platform,
      Path dir,
      Map<String, String> env,
      List<String> flags,
      Path out)
      throws IOException {
    List<String> args = new ArrayList<>(flags);
    args.add("-o");
    args.add(out.toString());
    args.add(importPath);
    try {
      go.build(dir, env, args);
    } catch (GoCommandException e) {
      throw new GoCommandException(
          "building " + importPath + " for " + platform + ": " + e.getMessage(), e.output());
    }
    log.debug("go build " + importPath + " for " + platform + " done");
  }

  private String versionM(Path binary) throws IOException {
    Optional<String> read = GoBuildInfoReader.versionM(binary);
    return read.isPresent() ? read.get() : go.versionM(binary, options.environment());
  }
}
