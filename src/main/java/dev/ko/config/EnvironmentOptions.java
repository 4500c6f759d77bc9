package dev.ko.config;

import dev.ko.build.BuildSettings;
import dev.ko.build.GoTarget;
import dev.ko.name.BadNameException;
import dev.ko.name.Repository;
import dev.ko.oci.GoTime;
import dev.ko.oci.Platform;
import dev.ko.publish.DockerHost;
import dev.ko.publish.KindCluster;
import dev.ko.publish.LocalImages;
import dev.ko.registry.GitHubKeychain;
import dev.ko.registry.GitHubToken;
import dev.ko.registry.KeychainSources;
import dev.ko.registry.NetworkSettings;
import dev.ko.registry.TrustRoots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What comes from the environment alone, as option records for the packages that use it: every
 * variable ko reads for itself or as the tools it stands in for would (Go, Docker, podman, kind,
 * cosign) is named here or in {@link KoConfigReader}, nowhere else. The whole environment still
 * goes to child processes ({@code go}, credential helpers, {@code docker}) as it is.
 */
public final class EnvironmentOptions {
  private EnvironmentOptions() {}

  // ------------------------------------------------------------ registry

  /** {@code SSL_CERT_FILE} and {@code SSL_CERT_DIR} (colon-separated), each when not empty. */
  public static TrustRoots trustRoots(Env env) {
    Optional<Path> file =
        env.isSet("SSL_CERT_FILE")
            ? Optional.of(env.path(env.get("SSL_CERT_FILE")))
            : Optional.empty();
    Optional<List<Path>> directories = Optional.empty();
    if (env.isSet("SSL_CERT_DIR")) {
      List<Path> dirs = new ArrayList<>();
      for (String d : env.get("SSL_CERT_DIR").split(":", -1)) {
        if (!d.isEmpty()) {
          dirs.add(env.path(d));
        }
      }
      directories = Optional.of(dirs);
    }
    return new TrustRoots(file, directories);
  }

  /**
   * Where credentials are: {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json};
   * then podman's {@code $REGISTRY_AUTH_FILE}, {@code $XDG_RUNTIME_DIR/containers/auth.json} and
   * {@code $XDG_CONFIG_HOME/containers/auth.json} (default {@code ~/.config}), the order ko's
   * default keychain reads them in.
   */
  public static KeychainSources keychainSources(Env env) {
    Path home = env.home();
    Path dockerConfig =
        env.isSet("DOCKER_CONFIG")
            ? env.path(env.get("DOCKER_CONFIG"), "config.json")
            : home.resolve(".docker").resolve("config.json");
    List<Path> authFiles = new ArrayList<>();
    if (env.isSet("REGISTRY_AUTH_FILE")) {
      authFiles.add(env.path(env.get("REGISTRY_AUTH_FILE")));
    }
    if (env.isSet("XDG_RUNTIME_DIR")) {
      authFiles.add(env.path(env.get("XDG_RUNTIME_DIR"), "containers", "auth.json"));
    }
    Path xdgConfig =
        env.isSet("XDG_CONFIG_HOME")
            ? env.path(env.get("XDG_CONFIG_HOME"))
            : home.resolve(".config");
    authFiles.add(xdgConfig.resolve("containers").resolve("auth.json"));
    return new KeychainSources(dockerConfig, authFiles, env.asMap(), env.path("."));
  }

  /** {@code GITHUB_TOKEN} and {@code GITHUB_ACTOR}, for {@link GitHubKeychain}. */
  public static GitHubToken gitHubToken(Env env) {
    return new GitHubToken(env.get("GITHUB_TOKEN"), env.get("GITHUB_ACTOR"));
  }

  /**
   * {@code KO_RETRY_BUDGET} (how long temporary registry failures are retried, default 30s), {@code
   * KO_RETRY_BACKOFF} (the first wait between tries, default 200ms) and {@code KO_REGISTRY_TIMEOUT}
   * (how long a silent registry is waited for, default 30s), each a Go duration such as {@code 45s}
   * or {@code 1m30s}.
   */
  public static NetworkSettings network(Env env) {
    NetworkSettings d = NetworkSettings.DEFAULT;
    Duration timeout = duration(env, "KO_REGISTRY_TIMEOUT", d.silence());
    if (timeout.isZero()) {
      throw new IllegalArgumentException(
          "KO_REGISTRY_TIMEOUT=\"" + env.get("KO_REGISTRY_TIMEOUT") + "\": want more than 0s");
    }
    return new NetworkSettings(
        duration(env, "KO_RETRY_BUDGET", d.retryBudget()),
        duration(env, "KO_RETRY_BACKOFF", d.firstRetryWait()),
        timeout);
  }

  private static Duration duration(Env env, String variable, Duration unset) {
    String value = env.get(variable);
    if (value.isEmpty()) {
      return unset;
    }
    try {
      return GoDuration.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          variable + "=\"" + value + "\": want a duration such as 30s, 500ms or 1m30s", e);
    }
  }

  // ------------------------------------------------------------ build

  /** {@code KO_GO_PATH}, else {@code go} from PATH. */
  static String goCommand(Env env) {
    return env.isSet("KO_GO_PATH") ? env.get("KO_GO_PATH") : "go";
  }

  /** {@code GOOS}, {@code GOARCH} and {@code GOARM}, each as set (an empty value counts). */
  static GoTarget goTarget(Env env) {
    return new GoTarget(env.lookup("GOOS"), env.lookup("GOARCH"), env.lookup("GOARM"));
  }

  /**
   * {@code KO_DATA_PATH_ALLOWED_ROOT}, a relative value made absolute against the invocation's
   * working directory; empty when unset.
   */
  static String kodataAllowedRoot(Env env) {
    String root = env.get("KO_DATA_PATH_ALLOWED_ROOT");
    return root.isEmpty() ? root : env.path(root).toString();
  }

  /** Refuses a {@code GOFLAGS} that sets {@code -toolexec}. */
  static void checkGoflags(Env env) {
    BuildSettings.checkGoflags(env.get("GOFLAGS"));
  }

  /**
   * {@code SOURCE_DATE_EPOCH} or {@code KO_DATA_DATE_EPOCH} in the local zone ({@code TZ}); null
   * when unset.
   */
  static GoTime epoch(Env env, String variable) {
    String value = env.get(variable);
    if (value.isEmpty()) {
      return null;
    }
    try {
      return GoTime.ofEpochSecond(Long.parseLong(value), env.zone());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "the environment variable "
              + variable
              + " should be the number of seconds since January 1st 1970, 00:00 UTC, got: \""
              + value
              + "\"",
          e);
    }
  }

  /** {@code KOCACHE} (or its default), created if missing; a file there is an error. */
  static Path cacheDirectory(Env env) throws IOException {
    Path dir = env.cacheDirectory();
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "KOCACHE should be a directory, " + dir + " is not a directory");
    }
    Files.createDirectories(dir);
    return dir;
  }

  // ------------------------------------------------------------ publish

  /** {@code KO_DOCKER_REPO}; empty when unset. */
  static String dockerRepo(Env env) {
    return env.get("KO_DOCKER_REPO");
  }

  /** {@code DOCKER_HOST} and {@code DOCKER_TLS_VERIFY}, checked. */
  static DockerHost dockerHost(Env env) {
    return DockerHost.parse(env.get("DOCKER_HOST"), env.isSet("DOCKER_TLS_VERIFY"));
  }

  /** {@code KIND_CLUSTER_NAME}, and podman when {@code KIND_EXPERIMENTAL_PROVIDER=podman}. */
  static KindCluster kindCluster(Env env) {
    String provider = env.get("KIND_EXPERIMENTAL_PROVIDER").equals("podman") ? "podman" : "docker";
    return new KindCluster(provider, env.get("KIND_CLUSTER_NAME"), env.asMap());
  }

  /** The one platform saved or loaded locally: {@code $GOOS/$GOARCH}, as in ko. */
  static Platform localPlatform(Env env) {
    return LocalImages.target(env.get("GOOS"), env.get("GOARCH"));
  }

  /** Where SBOMs go instead of next to their image, as cosign reads {@code COSIGN_REPOSITORY}. */
  static Optional<Repository> cosignRepository(Env env, boolean insecure) {
    String value = env.get("COSIGN_REPOSITORY");
    if (value.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Repository.parse(value, insecure));
    } catch (BadNameException e) {
      throw new IllegalArgumentException(
          "failed to parse COSIGN_REPOSITORY \"" + value + "\" as repository: " + e.getMessage(),
          e);
    }
  }
}
