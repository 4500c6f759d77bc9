package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.name.Repository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeychainsTest {
  @TempDir Path tmp;

  @Test
  void githubTokenIsForGhcrOnly() throws Exception {
    GitHubKeychain k = new GitHubKeychain(new GitHubToken("ghs_abc", "octocat"));
    assertThat(k.resolve(Repository.parse("ghcr.io/octocat/app")))
        .isEqualTo(Credential.basic("octocat", "ghs_abc"));
    assertThat(k.resolve(Repository.parse("docker.io/library/app")).isAnonymous()).isTrue();
    assertThat(
            new GitHubKeychain(new GitHubToken("t", ""))
                .resolve(Repository.parse("ghcr.io/octocat/app"))
                .username())
        .isEqualTo("unset");
    assertThat(
            new GitHubKeychain(GitHubToken.NONE)
                .resolve(Repository.parse("ghcr.io/octocat/app"))
                .isAnonymous())
        .isTrue();
  }

  @Test
  void firstNonAnonymousAnswerWins() throws Exception {
    Keychain none = r -> Credential.ANONYMOUS;
    Keychain a = r -> Credential.basic("a", "1");
    Keychain b = r -> Credential.basic("b", "2");
    assertThat(Keychain.firstOf(none, a, b).resolve(Repository.parse("x.io/team/app")).username())
        .isEqualTo("a");
    assertThat(Keychain.firstOf(none).resolve(Repository.parse("x.io/team/app")).isAnonymous())
        .isTrue();
  }

  private static String auth(String userPassword) {
    return "{\"auth\":\""
        + Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8))
        + "\"}";
  }

  @Test
  void theRepositorysKeyIsTriedBeforeTheRegistrys() throws Exception {
    Files.writeString(
        tmp.resolve("config.json"),
        "{\"auths\":{"
            + "\"reg.example.com/team/app\":"
            + auth("app-robot:1")
            + ","
            + "\"https://reg.example.com\":"
            + auth("team:2")
            + ","
            + "\"https://index.docker.io/v1/\":"
            + auth("hub:3")
            + ","
            + "\"index.docker.io/library/nginx\":"
            + auth("nginx-robot:4")
            + "}}");
    DockerConfigKeychain keychain =
        new DockerConfigKeychain(
            new KeychainSources(tmp.resolve("config.json"), List.of(), Map.of(), tmp));

    assertThat(keychain.resolve(Repository.parse("reg.example.com/team/app")).username())
        .isEqualTo("app-robot");
    assertThat(keychain.resolve(Repository.parse("reg.example.com/team/app2")).username())
        .isEqualTo("team");
    assertThat(keychain.resolve(Repository.parse("reg.example.com/team")).username())
        .isEqualTo("team");
    assertThat(keychain.resolve(Repository.parse("nginx")).username()).isEqualTo("nginx-robot");
    assertThat(keychain.resolve(Repository.parse("docker.io/bitnami/nginx")).username())
        .isEqualTo("hub");
    assertThat(keychain.resolve(Repository.parse("other.example.com/team/app")).isAnonymous())
        .isTrue();
  }

  @Test
  void aCredentialHelperIsAskedOncePerKey() throws Exception {
    Path calls = tmp.resolve("calls");
    DockerConfigKeychain keychain =
        helperKeychain(
            "counting",
            """
            #!/bin/sh
            server=$(cat)
            echo "$1 $server" >> "$CALLS"
            if [ "$server" = reg.example.com ]; then
              echo '{"Username": "team", "Secret": "s3cret"}'
            else
              echo "credentials not found in native keychain"; exit 1
            fi
            """,
            "CALLS",
            calls,
            tmp);

    for (String repo :
        new String[] {
          "reg.example.com/team/app", "reg.example.com/team/app", "reg.example.com/team/b"
        }) {
      assertThat(keychain.resolve(Repository.parse(repo)))
          .isEqualTo(Credential.basic("team", "s3cret"));
    }

    assertThat(Files.readAllLines(calls))
        .containsExactly(
            "get reg.example.com/team/app", "get reg.example.com", "get reg.example.com/team/b");
  }

  @Test
  void aCredentialHelperRunsInTheInvocationsDirectoryNotTheProcesss() throws Exception {
    Path invocation = Files.createDirectories(tmp.resolve("invocation"));
    Path seen = tmp.resolve("seen");
    DockerConfigKeychain keychain =
        helperKeychain(
            "where",
            """
            #!/bin/sh
            cat >/dev/null
            pwd > "$SEEN"
            echo '{"Username": "team", "Secret": "s3cret"}'
            """,
            "SEEN",
            seen,
            invocation);

    assertThat(keychain.resolve(Repository.parse("reg.example.com/team/app")))
        .isEqualTo(Credential.basic("team", "s3cret"));
    // The build server's own directory is /: a helper run there reads other relative files.
    assertThat(Files.readString(seen).strip()).isEqualTo(invocation.toRealPath().toString());
  }

  /**
   * A keychain whose {@code config.json} names {@code credsStore} {@code name}: the helper is
   * {@code script}, on the helpers' PATH, told {@code file} in the variable {@code variable}, and
   * run in {@code directory}.
   */
  private DockerConfigKeychain helperKeychain(
      String name, String script, String variable, Path file, Path directory) throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path helper = bin.resolve("docker-credential-" + name);
    Files.writeString(helper, script);
    Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(tmp.resolve("config.json"), "{\"credsStore\": \"" + name + "\"}");
    return new DockerConfigKeychain(
        new KeychainSources(
            tmp.resolve("config.json"),
            List.of(),
            Map.of("PATH", bin + ":/usr/bin:/bin", variable, file.toString()),
            directory));
  }
}
