package dev.ko.config;

import dev.ko.registry.GitHubKeychain;
import dev.ko.registry.GitHubToken;
import dev.ko.registry.KeychainSources;
import dev.ko.registry.TrustRoots;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What comes from the environment alone, as option records for the packages that use it. The whole
 * environment still goes to child processes (credential helpers) as it is.
 */
public final class EnvironmentOptions {
  private EnvironmentOptions() {}

  // ------------------------------------------------------------ registry

  /** {@code SSL_CERT_FILE} and {@code SSL_CERT_DIR} (colon-separated), each when not empty. */
  public static TrustRoots trustRoots(Env env) {
    Optional<Path> file =
        env.isSet("SSL_CERT_FILE")
            ? Optional.of(Path.of(env.get("SSL_CERT_FILE")))
            : Optional.empty();
    Optional<List<Path>> directories = Optional.empty();
    if (env.isSet("SSL_CERT_DIR")) {
      List<Path> dirs = new ArrayList<>();
      for (String d : env.get("SSL_CERT_DIR").split(":", -1)) {
        if (!d.isEmpty()) {
          dirs.add(Path.of(d));
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
            ? Path.of(env.get("DOCKER_CONFIG"), "config.json")
            : home.resolve(".docker").resolve("config.json");
    List<Path> authFiles = new ArrayList<>();
    if (env.isSet("REGISTRY_AUTH_FILE")) {
      authFiles.add(Path.of(env.get("REGISTRY_AUTH_FILE")));
    }
    if (env.isSet("XDG_RUNTIME_DIR")) {
      authFiles.add(Path.of(env.get("XDG_RUNTIME_DIR"), "containers", "auth.json"));
    }
    Path xdgConfig =
        env.isSet("XDG_CONFIG_HOME")
            ? Path.of(env.get("XDG_CONFIG_HOME"))
            : home.resolve(".config");
    authFiles.add(xdgConfig.resolve("containers").resolve("auth.json"));
    return new KeychainSources(dockerConfig, authFiles, env.asMap());
  }

  /** {@code GITHUB_TOKEN} and {@code GITHUB_ACTOR}, for {@link GitHubKeychain}. */
  public static GitHubToken gitHubToken(Env env) {
    return new GitHubToken(env.get("GITHUB_TOKEN"), env.get("GITHUB_ACTOR"));
  }
}
