package dev.ko.config;

import dev.ko.build.BuildConfig;
import dev.ko.build.BuildConfigs;
import dev.ko.build.BuildOptions;
import dev.ko.build.PlatformMatcher;
import dev.ko.build.Platforms;
import dev.ko.build.SupplyChain;
import dev.ko.oci.GoTime;
import dev.ko.sbom.SbomOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The build options, each from the first place that sets it: flags, then {@code KO_*} variables,
 * then {@code .ko.yaml}, then defaults. Every check that needs no {@code go} happens here, in the
 * order ko-jvm has always reported them.
 */
final class BuildOptionsResolver {
  private final Env env;
  private final Path workingDirectory;
  private final String toolVersion;

  BuildOptionsResolver(Env env, Path workingDirectory, String toolVersion) {
    this.env = env;
    this.workingDirectory = workingDirectory;
    this.toolVersion = toolVersion;
  }

  BuildOptions resolve(
      Flags.Build flags, KoConfig config, boolean insecureRegistry, Path tempDirectory)
      throws IOException {
    if (flags.debug()) {
      throw new IllegalArgumentException("--debug is not supported by this version of ko-jvm");
    }
    Map<String, String> labels = keyValues(flags.imageLabels(), "invalid label flag: ");
    Map<String, String> annotations =
        keyValues(flags.imageAnnotations(), "missing '=' in annotation: ");
    GoTime created = EnvironmentOptions.epoch(env, "SOURCE_DATE_EPOCH");
    GoTime kodataCreated = EnvironmentOptions.epoch(env, "KO_DATA_DATE_EPOCH");
    String defaultBase =
        config.defaultBaseImage().isEmpty()
            ? BuildOptions.DEFAULT_BASE_IMAGE
            : config.defaultBaseImage();
    List<BuildConfig> builds = buildConfigs(config);
    BuildConfigs.check(workingDirectory, builds); // go list matches them when the builder starts
    Map<String, String> origins = new LinkedHashMap<>();
    for (String key :
        List.of(KoConfig.DEFAULT_ENV, KoConfig.DEFAULT_FLAGS, KoConfig.DEFAULT_LDFLAGS)) {
      origins.put(key, config.where(key));
    }
    origins.put("ldflags", "--ldflags");
    Path cacheDirectory = EnvironmentOptions.cacheDirectory(env);
    int jobs = flags.jobs() > 0 ? flags.jobs() : Runtime.getRuntime().availableProcessors();
    SbomOptions sbom = SbomOptions.fromFlags(flags.sbom(), flags.sbomDir(), toolVersion);
    List<String> flagPlatforms = new ArrayList<>();
    for (String value : flags.platforms()) {
      for (String part : value.split(",", -1)) {
        if (part.isBlank()) {
          // --platform=, --platform=,, or a stray comma is a typo, never "the default".
          throw new IllegalArgumentException(
              "invalid --platform \""
                  + value
                  + "\": an empty platform; want all | <os>[/<arch>[/<variant>]][,platform]*");
        }
        flagPlatforms.add(part.strip());
      }
    }
    List<String> platforms =
        Platforms.effective(
            flagPlatforms.isEmpty() ? config.defaultPlatforms() : flagPlatforms,
            EnvironmentOptions.goTarget(env));
    new PlatformMatcher(platforms); // parses every spec: a typo fails here, not mid-build
    EnvironmentOptions.checkGoflags(env);
    return new BuildOptions(
        workingDirectory,
        defaultBase,
        config.baseImageOverrides(),
        platforms,
        env.asMap(),
        config.defaultEnv(),
        config.defaultFlags(),
        config.defaultLdflags(),
        flags.ldflags(),
        builds,
        created,
        kodataCreated,
        env.zone(),
        new TreeMap<>(labels),
        new TreeMap<>(annotations),
        flags.imageUser(),
        jobs,
        flags.disableOptimizations(),
        true, // ko's flags force -trimpath; only library callers may turn it off
        insecureRegistry,
        EnvironmentOptions.goCommand(env),
        EnvironmentOptions.kodataAllowedRoot(env),
        cacheDirectory,
        tempDirectory,
        origins,
        sbom,
        supplyChain(flags, config));
  }

  /**
   * {@code --provenance} and {@code --source-annotations}, else {@code KO_PROVENANCE} and {@code
   * KO_SOURCEANNOTATIONS}, else {@code .ko.yaml}'s {@code provenance} and {@code
   * sourceAnnotations}; off by default.
   */
  private SupplyChain supplyChain(Flags.Build flags, KoConfig config) {
    return new SupplyChain(
        bool(flags.provenance(), "--provenance", KoConfig.PROVENANCE, config),
        bool(
            flags.sourceAnnotations(), "--source-annotations", KoConfig.SOURCE_ANNOTATIONS, config),
        toolVersion);
  }

  private boolean bool(Boolean flag, String flagName, String key, KoConfig config) {
    if (flag != null) {
      return flag;
    }
    String variable = KoConfig.variable(key);
    String value;
    String origin;
    if (env.isSet(variable)) {
      value = env.get(variable);
      origin = variable;
    } else {
      value = config.supplyChain(key);
      origin = config.where(key);
    }
    return switch (value.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "", "false", "0" -> false;
      case "true", "1" -> true;
      default ->
          throw new IllegalArgumentException(
              origin + " \"" + value + "\": want true or false (as " + flagName + ")");
    };
  }

  private static List<BuildConfig> buildConfigs(KoConfig config) {
    List<BuildConfig> out = new ArrayList<>();
    for (KoConfig.Build b : config.builds()) {
      out.add(
          new BuildConfig(
              b.id(),
              b.dir(),
              b.main(),
              b.env(),
              b.flags(),
              b.ldflags(),
              b.linuxCapabilities(),
              b.origins(),
              null));
    }
    return out;
  }

  private static Map<String, String> keyValues(List<String> items, String error) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String item : items) {
      int eq = item.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException(error + item);
      }
      out.put(item.substring(0, eq), item.substring(eq + 1));
    }
    return out;
  }
}
