package dev.ko.build;

import dev.ko.oci.GoTime;
import dev.ko.sbom.SbomOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything a build needs, decided once (flags over environment over {@code .ko.yaml} over
 * defaults) and never changed afterwards.
 *
 * @param workingDirectory where {@code go} runs and relative import paths are resolved
 * @param defaultBaseImage the base for import paths without an override
 * @param baseImageOverrides base per import path (keys lower-cased, without {@code ko://})
 * @param platforms wanted platforms as given ({@code --platform}, {@code defaultPlatforms}); empty
 *     means the default
 * @param environment the process environment handed to {@code go}
 * @param creationTime config {@code created} and binary history time; null keeps the base's
 * @param kodataCreationTime mtime of kodata entries; null means the epoch
 * @param jobs the most builds to run at once
 * @param cacheDirectory persistent build outputs and layer metadata
 * @param tempDirectory this run's scratch files, deleted at exit
 * @param origins where {@code defaultEnv}, {@code defaultFlags}, {@code defaultLdflags} and {@code
 *     ldflags} came from ({@code file:line}, a variable, {@code --ldflags}), for error messages
 * @param sbom whether SBOMs are made and where they are written; none unless asked for
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
    SortedMap<String, String> labels,
    SortedMap<String, String> annotations,
    String user,
    int jobs,
    boolean disableOptimizations,
    boolean trimpath,
    boolean insecureRegistry,
    Path cacheDirectory,
    Path tempDirectory,
    Map<String, String> origins,
    SbomOptions sbom) {

  public static final String DEFAULT_BASE_IMAGE = "gcr.io/distroless/static:nonroot";

  public BuildOptions {
    baseImageOverrides = Map.copyOf(baseImageOverrides);
    platforms = List.copyOf(platforms);
    environment = Map.copyOf(environment);
    defaultEnv = List.copyOf(defaultEnv);
    defaultFlags = List.copyOf(defaultFlags);
    defaultLdflags = List.copyOf(defaultLdflags);
    ldflags = List.copyOf(ldflags);
    buildConfigs = List.copyOf(buildConfigs);
    labels = new TreeMap<>(labels);
    annotations = new TreeMap<>(annotations);
    user = user == null ? "" : user;
    origins = Map.copyOf(origins);
    sbom = sbom == null ? SbomOptions.NONE : sbom;
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

  public static Builder builder(Path workingDirectory, Path cacheDirectory, Path tempDirectory) {
    return new Builder(workingDirectory, cacheDirectory, tempDirectory);
  }

  /** Assembles options step by step; only used while reading flags, environment and config. */
  public static final class Builder {
    private final Path workingDirectory;
    private final Path cacheDirectory;
    private final Path tempDirectory;
    private String defaultBaseImage = DEFAULT_BASE_IMAGE;
    private Map<String, String> baseImageOverrides = Map.of();
    private List<String> platforms = List.of();
    private Map<String, String> environment = Map.of();
    private List<String> defaultEnv = List.of();
    private List<String> defaultFlags = List.of();
    private List<String> defaultLdflags = List.of();
    private List<String> ldflags = List.of();
    private List<BuildConfig> buildConfigs = List.of();
    private GoTime creationTime;
    private GoTime kodataCreationTime;
    private SortedMap<String, String> labels = new TreeMap<>();
    private SortedMap<String, String> annotations = new TreeMap<>();
    private String user = "";
    private int jobs = Runtime.getRuntime().availableProcessors();
    private boolean disableOptimizations;
    private boolean trimpath = true;
    private boolean insecureRegistry;
    private Map<String, String> origins = Map.of();
    private SbomOptions sbom = SbomOptions.NONE;

    private Builder(Path workingDirectory, Path cacheDirectory, Path tempDirectory) {
      this.workingDirectory = workingDirectory;
      this.cacheDirectory = cacheDirectory;
      this.tempDirectory = tempDirectory;
    }

    public Builder defaultBaseImage(String v) {
      defaultBaseImage = v;
      return this;
    }

    public Builder baseImageOverrides(Map<String, String> v) {
      baseImageOverrides = v;
      return this;
    }

    public Builder platforms(List<String> v) {
      platforms = v;
      return this;
    }

    public Builder environment(Map<String, String> v) {
      environment = v;
      return this;
    }

    public Builder defaultEnv(List<String> v) {
      defaultEnv = v;
      return this;
    }

    public Builder defaultFlags(List<String> v) {
      defaultFlags = v;
      return this;
    }

    public Builder defaultLdflags(List<String> v) {
      defaultLdflags = v;
      return this;
    }

    public Builder ldflags(List<String> v) {
      ldflags = v;
      return this;
    }

    public Builder buildConfigs(List<BuildConfig> v) {
      buildConfigs = v;
      return this;
    }

    public Builder creationTime(GoTime v) {
      creationTime = v;
      return this;
    }

    public Builder kodataCreationTime(GoTime v) {
      kodataCreationTime = v;
      return this;
    }

    public Builder labels(Map<String, String> v) {
      labels = new TreeMap<>(v);
      return this;
    }

    public Builder annotations(Map<String, String> v) {
      annotations = new TreeMap<>(v);
      return this;
    }

    public Builder user(String v) {
      user = v;
      return this;
    }

    public Builder jobs(int v) {
      jobs = v;
      return this;
    }

    public Builder disableOptimizations(boolean v) {
      disableOptimizations = v;
      return this;
    }

    public Builder trimpath(boolean v) {
      trimpath = v;
      return this;
    }

    public Builder insecureRegistry(boolean v) {
      insecureRegistry = v;
      return this;
    }

    public Builder origins(Map<String, String> v) {
      origins = v;
      return this;
    }

    public Builder sbom(SbomOptions v) {
      sbom = v;
      return this;
    }

    public BuildOptions build() {
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
          buildConfigs,
          creationTime,
          kodataCreationTime,
          labels,
          annotations,
          user,
          jobs,
          disableOptimizations,
          trimpath,
          insecureRegistry,
          cacheDirectory,
          tempDirectory,
          origins,
          sbom);
    }
  }
}
