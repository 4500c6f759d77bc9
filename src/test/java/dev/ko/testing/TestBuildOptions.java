package dev.ko.testing;

import dev.ko.build.BuildConfig;
import dev.ko.build.BuildOptions;
import dev.ko.build.SupplyChain;
import dev.ko.oci.GoTime;
import dev.ko.sbom.SbomOptions;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Build options for tests that need only a few of them set; everything else has the value the
 * config resolver gives it when nothing is configured.
 */
public final class TestBuildOptions {
  private TestBuildOptions() {}

  public static Builder builder(Path workingDirectory, Path cacheDirectory, Path tempDirectory) {
    return new Builder(workingDirectory, cacheDirectory, tempDirectory);
  }

  /** Sets options one by one; {@link #build} makes the immutable record. */
  public static final class Builder {
    private final Path workingDirectory;
    private final Path cacheDirectory;
    private final Path tempDirectory;
    private String defaultBaseImage = BuildOptions.DEFAULT_BASE_IMAGE;
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
    private ZoneId zone = GoTime.localZone("");
    private SortedMap<String, String> labels = new TreeMap<>();
    private SortedMap<String, String> annotations = new TreeMap<>();
    private String user = "";
    private int jobs = Runtime.getRuntime().availableProcessors();
    private boolean disableOptimizations;
    private boolean trimpath = true;
    private boolean insecureRegistry;
    private String kodataAllowedRoot = "";
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

    public Builder zone(ZoneId v) {
      zone = v;
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

    public Builder kodataAllowedRoot(String v) {
      kodataAllowedRoot = v;
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
          zone,
          labels,
          annotations,
          user,
          jobs,
          disableOptimizations,
          trimpath,
          insecureRegistry,
          "go",
          kodataAllowedRoot,
          cacheDirectory,
          tempDirectory,
          origins,
          sbom,
          SupplyChain.NONE);
    }
  }
}
