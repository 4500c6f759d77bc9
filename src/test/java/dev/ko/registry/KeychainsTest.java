package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.name.Repository;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeychainsTest {
  @Test
  void githubTokenIsForGhcrOnly() throws Exception {
    GitHubKeychain k = new GitHubKeychain(Map.of("GITHUB_TOKEN", "ghs_abc", "GITHUB_ACTOR", "octocat"));
    assertThat(k.resolve(Repository.parse("ghcr.io/octocat/app"))).isEqualTo(Credential.basic("octocat", "ghs_abc"));
    assertThat(k.resolve(Repository.parse("docker.io/library/app")).isAnonymous()).isTrue();
    assertThat(new GitHubKeychain(Map.of("GITHUB_TOKEN", "t")).resolve(Repository.parse("ghcr.io/octocat/app")).username())
        .isEqualTo("unset");
    assertThat(new GitHubKeychain(Map.of()).resolve(Repository.parse("ghcr.io/octocat/app")).isAnonymous()).isTrue();
  }

  @Test
  void firstNonAnonymousAnswerWins() throws Exception {
    Keychain none = r -> Credential.ANONYMOUS;
    Keychain a = r -> Credential.basic("a", "1");
    Keychain b = r -> Credential.basic("b", "2");
    assertThat(Keychain.firstOf(none, a, b).resolve(Repository.parse("x.io/team/app")).username()).isEqualTo("a");
    assertThat(Keychain.firstOf(none).resolve(Repository.parse("x.io/team/app")).isAnonymous()).isTrue();
  }
}
