package dev.ko.build;

import dev.ko.log.Log;
import dev.ko.oci.Platform;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * What the builder knows about import paths before it builds them: how a local path qualifies
 * ({@code go list}, in a build config's directory first), the package {@code go list} found, where
 * {@code go} runs for it, its build config and its rendered {@code go build} flags. {@code go
 * list}, {@code go env} and git are each asked once per run and directory.
 */
final class GoPackages {
  private final BuildOptions options;
  private final GoToolchain go;
  private final BuildConfigs configs;
  private final ConcurrentMap<String, GoPackage> packages = new ConcurrentHashMap<>();

  /** Where a local import path was qualified: go list and go build for it run there. */
  private final ConcurrentMap<String, Path> qualifiedIn = new ConcurrentHashMap<>();

  private final ConcurrentMap<Path, GitInfo> gitInfos = new ConcurrentHashMap<>();
  private final ConcurrentMap<List<Object>, Map<String, String>> goEnvs = new ConcurrentHashMap<>();
  private final Log log;

  GoPackages(BuildOptions options, GoToolchain go, Log log) {
    this.options = options;
    this.go = go;
    this.log = log;
    this.configs = new BuildConfigs(options.workingDirectory(), options.buildConfigs());
    for (BuildConfig c : configs.all()) {
      if (c.mainPackage() != null) {
        packages.put(c.importPath(), c.mainPackage()); // listed when the config was read
      }
    }
  }

  /** A qualified import path (without {@code ko://}) for a local or full one. */
  String qualify(String importPath) throws IOException {
    if (!isLocal(importPath)) {
      return importPath;
    }
    GoPackage p = qualifyLocal(importPath);
    log.debug("go list " + importPath + " done");
    packages.put(p.importPath(), p);
    return p.importPath();
  }

  static boolean isLocal(String path) {
    return path.equals(".") || path.equals("..") || path.startsWith("./") || path.startsWith("../");
  }

  /**
   * Like ko's builder dispatch: each build config whose {@code dir} contains the path gets to
   * qualify it in that directory first (so a config's own module resolves it), then the working
   * directory does.
   */
  private GoPackage qualifyLocal(String path) throws IOException {
    Map<Path, String> candidates = new LinkedHashMap<>();
    for (BuildConfig c : configs.all()) {
      try {
        candidates.putIfAbsent(configs.directory(c), BuildConfigs.relativePath(c.dir(), path));
      } catch (IllegalArgumentException e) {
        // not under this config's directory: try the next
      }
    }
    candidates.remove(options.workingDirectory().normalize());
    for (Map.Entry<Path, String> c : candidates.entrySet()) {
      GoPackage known = listedWithConfigs(c.getKey(), c.getValue());
      if (known != null) {
        qualifiedIn.put(known.importPath(), c.getKey());
        return known;
      }
      List<GoPackage> found;
      try {
        found = go.list(c.getKey(), options.environment(), List.of(c.getValue()));
      } catch (GoCommandException e) {
        continue; // e.g. the config's dir is no module: the working directory may still qualify it
      }
      if (found.size() == 1 && found.get(0).error().isEmpty()) {
        qualifiedIn.put(found.get(0).importPath(), c.getKey());
        return found.get(0);
      }
    }
    GoPackage known = listedWithConfigs(options.workingDirectory().normalize(), path);
    if (known != null) {
      return known;
    }
    List<GoPackage> found =
        go.list(options.workingDirectory(), options.environment(), List.of(path));
    if (found.size() != 1) {
      throw new UnsupportedReferenceException(
          "qualifying local import "
              + path
              + ": go list in "
              + options.workingDirectory()
              + " found "
              + found.size()
              + " packages, expected 1");
    }
    GoPackage p = found.get(0);
    if (!p.error().isEmpty()) {
      throw new UnsupportedReferenceException("qualifying local import " + path + ": " + p.error());
    }
    return p;
  }

  /**
   * The main package of a build config listed in {@code dir} (when the config was read) that a
   * local path relative to {@code dir} names: what {@code go list} there would say again.
   */
  private GoPackage listedWithConfigs(Path dir, String relativePath) {
    Path target = dir.resolve(relativePath).normalize();
    for (BuildConfig c : configs.all()) {
      GoPackage p = c.mainPackage();
      if (p != null
          && p.error().isEmpty()
          && p.dir() != null
          && configs.directory(c).equals(dir)
          && BuildConfigs.sameDirectory(p.dir(), target)) {
        return p;
      }
    }
    return null;
  }

  /** The build config for a qualified import path, or null. */
  BuildConfig config(String importPath) {
    return configs.forImportPath(importPath);
  }

  /** Where go runs for an import path: its build config's dir, else where it was qualified. */
  Path directoryFor(String importPath) {
    BuildConfig c = configs.forImportPath(importPath);
    if (c != null) {
      return configs.directory(c);
    }
    return qualifiedIn.getOrDefault(importPath, options.workingDirectory());
  }

  /**
   * Lists the qualified import paths not listed yet with one {@code go list} per directory, so that
   * checking twenty references runs one go process, not twenty. Whatever this cannot attribute (go
   * failing the whole call for one bad pattern, say) is left to {@link #get}, which lists the path
   * alone and reports its own error.
   */
  void prefetch(Collection<String> importPaths) throws IOException {
    Map<Path, Set<String>> byDirectory = new LinkedHashMap<>();
    for (String importPath : importPaths) {
      if (!packages.containsKey(importPath)) {
        byDirectory
            .computeIfAbsent(directoryFor(importPath), d -> new LinkedHashSet<>())
            .add(importPath);
      }
    }
    for (Map.Entry<Path, Set<String>> e : byDirectory.entrySet()) {
      if (e.getValue().size() < 2) {
        continue; // get lists it alone, as it would anyway
      }
      List<GoPackage> found;
      try {
        found = go.list(e.getKey(), options.environment(), List.copyOf(e.getValue()));
      } catch (GoCommandException failed) {
        continue;
      }
      for (GoPackage p : found) {
        if (e.getValue().contains(p.importPath())) {
          packages.putIfAbsent(p.importPath(), p);
        }
      }
    }
  }

  /** What {@code go list} says about a qualified import path, asked once. */
  GoPackage get(String importPath) throws IOException {
    GoPackage cached = packages.get(importPath);
    if (cached != null) {
      return cached;
    }
    Path dir = directoryFor(importPath);
    List<GoPackage> found = go.list(dir, options.environment(), List.of(importPath));
    if (found.size() != 1) {
      throw new UnsupportedReferenceException(
          "go list "
              + importPath
              + " in "
              + dir
              + " found "
              + found.size()
              + " packages, expected 1");
    }
    packages.put(importPath, found.get(0));
    return found.get(0);
  }

  /**
   * Fails unless the import path names a main package whose flag and ldflag templates render (for
   * {@code platform}), so a bad reference or a missing key stops the run before anything is built.
   */
  void check(String importPath, Platform platform) throws IOException {
    GoPackage p = get(importPath);
    if (!p.error().isEmpty()) {
      throw new UnsupportedReferenceException(p.error());
    }
    if (!p.name().equals("main")) {
      throw new UnsupportedReferenceException("importpath is not `package main`");
    }
    BuildConfig config = configs.forImportPath(p.importPath());
    goBuildFlags(p.importPath(), BuildSettings.environment(options, config, platform));
  }

  /**
   * The rendered {@code go build} flags for an import path in a build environment; a failing {@code
   * go env} behind a template is rethrown as is.
   */
  List<String> goBuildFlags(String importPath, Map<String, String> env) throws IOException {
    try {
      return BuildSettings.flags(
          options, configs.forImportPath(importPath), templateData(directoryFor(importPath), env));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** Template data for a build in {@code dir}; git and go env are read once per directory. */
  private Map<String, Object> templateData(Path dir, Map<String, String> env) {
    return BuildSettings.templateData(
        env,
        () ->
            goEnvs.computeIfAbsent(
                List.of(dir, env),
                k -> {
                  try {
                    return go.env(dir, env);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                }),
        () -> gitInfos.computeIfAbsent(dir, d -> GitInfo.read(d, options.environment(), log)),
        options.creationTime(),
        options.zone());
  }
}
