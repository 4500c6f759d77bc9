package dev.ko.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The records made from the environment alone: which variable goes where, with which default. */
class EnvironmentOptionsTest {
  @TempDir Path dir;

  /** The build server cannot change its directory: relative paths resolve against the request's. */
  @Test
  void relativePathsInVariablesResolveAgainstTheInvocationsDirectory() {
    Path work = dir.resolve("work");
    Env env =
        new Env(
                Map.of(
                    "HOME", "h",
                    "DOCKER_CONFIG", "../d",
                    "SSL_CERT_FILE", "ca.pem",
                    "KOCACHE", "cache",
                    "KO_DATA_PATH_ALLOWED_ROOT", "."))
            .in(work);
    assertThat(EnvironmentOptions.keychainSources(env).dockerConfig().normalize())
        .isEqualTo(dir.resolve("d/config.json"));
    assertThat(EnvironmentOptions.trustRoots(env).certFile()).contains(work.resolve("ca.pem"));
    assertThat(env.cacheDirectory()).isEqualTo(work.resolve("cache"));
    assertThat(env.home()).isEqualTo(work.resolve("h"));
    assertThat(Path.of(EnvironmentOptions.kodataAllowedRoot(env)).normalize()).isEqualTo(work);
  }

  @Test
  void keychainSourcesFollowDockerAndPodman() {
    Path home = dir.resolve("home");
    assertThat(EnvironmentOptions.keychainSources(new Env(Map.of("HOME", home.toString()))))
        .satisfies(
            s -> {
              assertThat(s.dockerConfig()).isEqualTo(home.resolve(".docker/config.json"));
              assertThat(s.authFiles())
                  .containsExactly(home.resolve(".config/containers/auth.json"));
            });
    Env all =
        new Env(
            Map.of(
                "HOME", home.toString(),
                "DOCKER_CONFIG", "/d",
                "REGISTRY_AUTH_FILE", "/r/auth.json",
                "XDG_RUNTIME_DIR", "/run/user/1",
                "XDG_CONFIG_HOME", "/x"));
    assertThat(EnvironmentOptions.keychainSources(all))
        .satisfies(
            s -> {
              assertThat(s.dockerConfig()).isEqualTo(Path.of("/d/config.json"));
              assertThat(s.authFiles())
                  .containsExactly(
                      Path.of("/r/auth.json"),
                      Path.of("/run/user/1/containers/auth.json"),
                      Path.of("/x/containers/auth.json"));
              assertThat(s.helperEnvironment()).containsEntry("DOCKER_CONFIG", "/d");
            });
  }

  @Test
  void trustRootsReplaceGosListsOnlyWhenSet() {
    assertThat(EnvironmentOptions.trustRoots(new Env(Map.of())).certFile()).isEmpty();
    assertThat(EnvironmentOptions.trustRoots(new Env(Map.of("SSL_CERT_FILE", ""))).certFile())
        .isEmpty();
    assertThat(
            EnvironmentOptions.trustRoots(
                new Env(Map.of("SSL_CERT_FILE", "/ca.pem", "SSL_CERT_DIR", "/a::/b:"))))
        .satisfies(
            r -> {
              assertThat(r.certFile()).contains(Path.of("/ca.pem"));
              assertThat(r.certDirectories()).contains(List.of(Path.of("/a"), Path.of("/b")));
            });
    assertThat(
            EnvironmentOptions.trustRoots(new Env(Map.of("SSL_CERT_DIR", ":"))).certDirectories())
        .as("set, though to no directory: Go reads none")
        .isEqualTo(Optional.of(List.of()));
  }

  @Test
  void gitHubTokenAndActor() {
    assertThat(
            EnvironmentOptions.gitHubToken(
                new Env(Map.of("GITHUB_TOKEN", "ghs_x", "GITHUB_ACTOR", "octocat"))))
        .extracting(t -> t.token() + " " + t.actor())
        .isEqualTo("ghs_x octocat");
  }
}
