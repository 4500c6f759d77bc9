package dev.ko.config;

import dev.ko.log.Log;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ko's configuration: {@code .ko.yaml} (found in the working directory or through {@code
 * KO_CONFIG_PATH}) with the {@code KO_*} variables that override its keys already applied. Lists
 * are empty and strings empty when a key is not set anywhere.
 *
 * @param file the config file read, or null when there is none
 * @param defaultBaseImage {@code defaultBaseImage} or {@code KO_DEFAULTBASEIMAGE}; empty if unset
 * @param baseImageOverrides lower-cased import path to base image reference
 * @param builds the {@code builds} entries, in file order
 * @param cacheRepo {@code cacheRepo}, ko-jvm's own key: the shared build cache's repository; empty
 *     if unset ({@code KO_CACHE_REPO} and {@code --cache-repo} are applied later, as they win)
 * @param referrers {@code referrers}, ko-jvm's own key: how attachments are placed ({@code
 *     --referrers}); empty if unset ({@code KO_REFERRERS} and the flag are applied later, as they
 *     win)
 * @param origins where each set top-level key came from ({@code file:line} or the variable name),
 *     for error messages
 */
public record KoConfig(
    Path file,
    String defaultBaseImage,
    Map<String, String> baseImageOverrides,
    List<String> defaultPlatforms,
    List<String> defaultEnv,
    List<String> defaultFlags,
    List<String> defaultLdflags,
    List<Build> builds,
    String cacheRepo,
    String referrers,
    Map<String, String> origins,
    Map<String, String> supplyChain) {

  public static final String DEFAULT_BASE_IMAGE = "defaultBaseImage";
  public static final String BASE_IMAGE_OVERRIDES = "baseImageOverrides";
  public static final String DEFAULT_PLATFORMS = "defaultPlatforms";
  public static final String DEFAULT_ENV = "defaultEnv";
  public static final String DEFAULT_FLAGS = "defaultFlags";
  public static final String DEFAULT_LDFLAGS = "defaultLdflags";
  public static final String BUILDS = "builds";
  public static final String CACHE_REPO = "cacheRepo";
  public static final String REFERRERS = "referrers";
  public static final String SIGN_KEY = "signKey";
  public static final String PROVENANCE = "provenance";
  public static final String SOURCE_ANNOTATIONS = "sourceAnnotations";

  /** ko-jvm's own scalar keys of the supply chain, kept as written ({@link #supplyChain}). */
  static final List<String> SUPPLY_CHAIN_KEYS = List.of(SIGN_KEY, PROVENANCE, SOURCE_ANNOTATIONS);

  /** The top-level keys ko knows, in ko's spelling (matching is case-insensitive). */
  static final List<String> KEYS =
      List.of(
          DEFAULT_BASE_IMAGE,
          BASE_IMAGE_OVERRIDES,
          DEFAULT_PLATFORMS,
          DEFAULT_ENV,
          DEFAULT_FLAGS,
          DEFAULT_LDFLAGS,
          BUILDS,
          CACHE_REPO,
          REFERRERS,
          SIGN_KEY,
          PROVENANCE,
          SOURCE_ANNOTATIONS);

  public KoConfig {
    defaultBaseImage = defaultBaseImage == null ? "" : defaultBaseImage;
    baseImageOverrides = Collections.unmodifiableMap(new LinkedHashMap<>(baseImageOverrides));
    defaultPlatforms = List.copyOf(defaultPlatforms);
    defaultEnv = List.copyOf(defaultEnv);
    defaultFlags = List.copyOf(defaultFlags);
    defaultLdflags = List.copyOf(defaultLdflags);
    builds = List.copyOf(builds);
    cacheRepo = cacheRepo == null ? "" : cacheRepo;
    referrers = referrers == null ? "" : referrers;
    origins = Map.copyOf(origins);
    supplyChain = supplyChain == null ? Map.of() : Map.copyOf(supplyChain);
  }

  /** A supply chain key's value as written ({@code signKey}, ...); empty when not set. */
  public String supplyChain(String key) {
    return supplyChain.getOrDefault(key, "");
  }

  /**
   * Reads {@code KO_CONFIG_PATH} or the working directory's {@code .ko.yaml} (a missing file is
   * fine) and applies the {@code KO_DEFAULT*} and {@code KO_BASEIMAGEOVERRIDES} variables. No other
   * {@code KO_*} variable is read. Unknown top-level keys are logged as warnings.
   *
   * @throws IllegalArgumentException for a file that cannot be used, naming the file, line and key
   */
  public static KoConfig load(Path workingDirectory, Env env, Log log) {
    return new KoConfigReader(workingDirectory, env, log).read();
  }

  /**
   * Where a top-level key's value came from: {@code file:line}, a variable name, or the key itself.
   */
  public String origin(String key) {
    return origins.getOrDefault(key, key);
  }

  /**
   * A key's value described for error messages: {@code file:line: key} when it came from the file,
   * the variable's name when it came from {@code KO_<KEY>}, else the key.
   */
  public String where(String key) {
    String at = origins.get(key);
    if (at == null) {
      return key;
    }
    return at.equals(variable(key)) ? at : at + ": " + key;
  }

  /** The variable that overrides a key, as viper's AutomaticEnv with prefix KO names it. */
  static String variable(String key) {
    return "KO_" + key.toUpperCase(Locale.ROOT);
  }

  /**
   * One {@code builds[]} entry with ko's defaults applied; which import path it builds is decided
   * later, with {@code go list}. A null list means the key was not given (so the default applies);
   * an empty list was given as empty.
   *
   * @param id {@code id}, or {@code #<index>}
   * @param dir {@code dir}, default {@code .}
   * @param main {@code main}, default {@code .}
   * @param origins where the entry ({@code ""}) and each key given is, for error messages: {@code
   *     file:line: builds[i]} and {@code file:line: builds[i].key}
   */
  public record Build(
      String id,
      String dir,
      String main,
      List<String> env,
      List<String> flags,
      List<String> ldflags,
      List<String> linuxCapabilities,
      Map<String, String> origins) {
    public Build {
      env = copyOrNull(env);
      flags = copyOrNull(flags);
      ldflags = copyOrNull(ldflags);
      linuxCapabilities = linuxCapabilities == null ? List.of() : List.copyOf(linuxCapabilities);
      origins = Map.copyOf(origins);
    }

    /** Where a key (or, for {@code ""}, the entry) is: {@code file:line: builds[i].key}. */
    public String where(String key) {
      String at = origins.get(key);
      if (at != null) {
        return at;
      }
      String entry = origins.getOrDefault("", "builds");
      return key.isEmpty() ? entry : entry + "." + key;
    }

    private static List<String> copyOrNull(List<String> l) {
      return l == null ? null : Collections.unmodifiableList(new ArrayList<>(l));
    }
  }
}
