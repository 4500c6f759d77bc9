package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** WWW-Authenticate parsing. */
class ChallengeTest {
  @Test
  void dockerHubBearer() {
    Challenge c =
        Challenge.parse(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                    + "scope=\"repository:library/alpine:pull\"")
            .orElseThrow();
    assertThat(c.isBearer()).isTrue();
    assertThat(c.params())
        .isEqualTo(
            Map.of(
                "realm", "https://auth.docker.io/token",
                "service", "registry.docker.io",
                "scope", "repository:library/alpine:pull"));
  }

  @Test
  void schemeAndKeysAreCaseInsensitive() {
    Challenge c = Challenge.parse("BASIC Realm=\"Registry Realm\"").orElseThrow();
    assertThat(c.isBasic()).isTrue();
    assertThat(c.scheme()).isEqualTo("basic");
    assertThat(c.param("realm")).isEqualTo("Registry Realm");
  }

  @Test
  void quotedValuesKeepCommasAndEscapedQuotes() {
    Challenge c =
        Challenge.parse(
                "Bearer realm=\"https://x/token?a=1,b=2\", scope=\"repository:a/b:pull,push\","
                    + " error=\"say \\\"no\\\"\"")
            .orElseThrow();
    assertThat(c.param("realm")).isEqualTo("https://x/token?a=1,b=2");
    assertThat(c.param("scope")).isEqualTo("repository:a/b:pull,push");
    assertThat(c.param("error")).isEqualTo("say \"no\"");
  }

  @Test
  void unquotedValuesAndSpaces() {
    Challenge c = Challenge.parse("  bearer realm=https://x/token ,  service=reg  ").orElseThrow();
    assertThat(c.isBearer()).isTrue();
    assertThat(c.param("realm")).isEqualTo("https://x/token");
    assertThat(c.param("service")).isEqualTo("reg");
    assertThat(c.param("missing")).isEmpty();
  }

  @Test
  void schemeAloneOrNothing() {
    Challenge c = Challenge.parse("Basic").orElseThrow();
    assertThat(c.isBasic()).isTrue();
    assertThat(c.params()).isEmpty();
    assertThat(Challenge.parse(null)).isEmpty();
    assertThat(Challenge.parse("   ")).isEmpty();
    assertThat(Challenge.parse("Negotiate abc").orElseThrow().isBearer()).isFalse();
  }
}
