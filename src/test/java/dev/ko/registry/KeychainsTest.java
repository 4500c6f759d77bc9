package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.name.Registry;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeychainsTest {
  @Test
  void githubTokenIsForGhcrOnly() throws Exception {
    GitHubKeychain k = new GitHubKeychain(Map.of("GITHUB_TOKEN", "ghs_abc", "GITHUB_ACTOR", "octocat"));
    assertThat(k.resolve(Registry.parse("ghcr.io"))).isEqualTo(Credential.basic("octocat", "ghs_abc"));
    assertThat(k.resolve(Registry.parse("docker.io")).isAnonymous()).isTrue();
    assertThat(new GitHubKeychain(Map.of("GITHUB_TOKEN", "t")).resolve(Registry.parse("ghcr.io")).username())
        .isEqualTo("unset");
    assertThat(new GitHubKeychain(Map.of()).resolve(Registry.parse("ghcr.io")).isAnonymous()).isTrue();
  }

  @Test
  void firstNonAnonymousAnswerWins() throws Exception {
    Keychain none = r -> Credential.ANONYMOUS;
    Keychain a = r -> Credential.basic("a", "1");
    Keychain b = r -> Credential.basic("b", "2");
    assertThat(Keychain.firstOf(none, a, b).resolve(Registry.parse("x.io")).username()).isEqualTo("a");
    assertThat(Keychain.firstOf(none).resolve(Registry.parse("x.io")).isAnonymous()).isTrue();
  }
}
