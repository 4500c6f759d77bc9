package dev.ko.build;

import dev.ko.oci.GoTime;
import dev.ko.sbom.SbomOptions;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything a build needs, decided once (flags over environment over {@code .ko.yaml} over
 * defaults, by {@code dev.ko.config}) and never changed afterwards.
 *
 * @param workingDirectory where {@code go} runs and relative import paths are resolved
 * @param defaultBaseImage the base for import paths without an override
 * @param baseImageOverrides base per import path (keys lower-cased, without {@code ko://})
 * @param platforms the platform specs to build ({@code --platform}, {@code defaultPlatforms}, else
 *     {@code GOOS/GOARCH}); empty means {@code linux/amd64}
 * @param environment the process environment handed to {@code go} as it is
 * @param buildConfigs the {@code builds} entries as configured; {@link GoBuilder#start} matches
 *     them to their main packages
 * @param creationTime config {@code created} and binary history time; null keeps the base's
 * @param kodataCreationTime mtime of kodata entries; null means the epoch
 * @param zone the local time zone, for the {@code .Date} of templates when there is no creation
 *     time
 * @param jobs the most builds to run at once
 * @param goCommand the {@code go} binary to run
 * @param kodataAllowedRoot a directory kodata symlinks may point into besides the default; empty
 *     for none
 * @param cacheDirectory persistent build outputs and layer metadata
 * @param tempDirectory this run's scratch files, deleted at exit
 * @param origins where {@code defaultEnv}, {@code defaultFlags}, {@code defaultLdflags} and {@code
 *     ldflags} came from ({@code file:line}, a variable, {@code --ldflags}), for error messages
 * @param sbom whether SBOMs are made and where they are written; none unless asked for
 * @param supplyChain provenance and source annotations; none unless asked for
 */
public record BuildOptions(
    Path workingDirectory,
    String defaultBaseImage,
    Map<String, String> baseImageOverrides,
    List<String> platforms,
    Map<String, String> environment,
    List<String> defaultEnv,
    List<String> defaultFlags,
    List<String> defaultLdflags,
    List<String> ldflags,
    List<BuildConfig> buildConfigs,
    GoTime creationTime,
    GoTime kodataCreationTime,
    ZoneId zone,
    SortedMap<String, String> labels,
    SortedMap<String, String> annotations,
    String user,
    int jobs,
    boolean disableOptimizations,
    boolean trimpath,
    boolean insecureRegistry,
    String goCommand,
    String kodataAllowedRoot,
    Path cacheDirectory,
    Path tempDirectory,
    Map<String, String> origins,
    SbomOptions sbom,
    SupplyChain supplyChain) {

  public static final String DEFAULT_BASE_IMAGE = "gcr.io/distroless/static:nonroot";

  /** ko's platform when none is given anywhere. */
  public static final String DEFAULT_PLATFORM = "linux/amd64";

  public BuildOptions {
    baseImageOverrides = Map.copyOf(baseImageOverrides);
    platforms = platforms.isEmpty() ? List.of(DEFAULT_PLATFORM) : List.copyOf(platforms);
    environment = Map.copyOf(environment);
    defaultEnv = List.copyOf(defaultEnv);
    defaultFlags = List.copyOf(defaultFlags);
    defaultLdflags = List.copyOf(defaultLdflags);
    ldflags = List.copyOf(ldflags);
    buildConfigs = List.copyOf(buildConfigs);
    zone = zone == null ? ZoneId.systemDefault() : zone;
    labels = new TreeMap<>(labels);
    annotations = new TreeMap<>(annotations);
    user = user == null ? "" : user;
    goCommand = goCommand == null || goCommand.isEmpty() ? "go" : goCommand;
    kodataAllowedRoot = kodataAllowedRoot == null ? "" : kodataAllowedRoot;
    origins = Map.copyOf(origins);
    sbom = sbom == null ? SbomOptions.NONE : sbom;
    supplyChain = supplyChain == null ? SupplyChain.NONE : supplyChain;
    if (jobs < 1) {
      throw new IllegalArgumentException("jobs must be at least 1, got " + jobs);
    }
  }

  @Override
  public SortedMap<String, String> labels() {
    return new TreeMap<>(labels);
  }

  @Override
  public SortedMap<String, String> annotations() {
    return new TreeMap<>(annotations);
  }

  /** Where an option's value came from, for error messages; the option's name when unknown. */
  public String origin(String option) {
    return origins.getOrDefault(option, option);
  }

  /** The same options with the build configs matched to their packages. */
  BuildOptions withBuildConfigs(List<BuildConfig> matched) {
    return new BuildOptions(
        workingDirectory,
        defaultBaseImage,
        baseImageOverrides,
        platforms,
        environment,
        defaultEnv,
        defaultFlags,
        defaultLdflags,
        ldflags,
        matched,
        creationTime,
        kodataCreationTime,
        zone,
        labels,
        annotations,
        user,
        jobs,
        disableOptimizations,
        trimpath,
        insecureRegistry,
        goCommand,
        kodataAllowedRoot,
        cacheDirectory,
        tempDirectory,
        origins,
        sbom,
        supplyChain);
  }
}
