package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.oci.Platform;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ko's platform matching table, the default platform rules and GOARM. */
class PlatformMatcherTest {

  /** spec (";"-separated specs), base platform ("-" for none), expected. */
  @ParameterizedTest(name = "[{0}] vs {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "all                            | -                                | true",
        "linux/amd64                    | -                                | false",
        "all                            | linux/amd64                      | true",
        "linux                          | windows/amd64                    | false",
        "linux                          | linux/s390x                      | true",
        "linux/arm                      | linux/arm/v6                     | true",
        "linux/arm                      | linux/arm/v7                     | true",
        "linux/amd64;linux/arm64        | linux/arm64/v3                   | true",
        "linux/amd64;linux/arm64/v4     | linux/arm64/v3                   | false",
        "linux/arm64/v8                 | linux/arm64                      | false",
        "linux/amd64,linux/arm64        | linux/arm64                      | true",
        "''                             | linux/amd64                      | false",
        // Docker attestation entries never match, not even with all
        "all                            | unknown/unknown                  | false",
        "unknown/unknown                | unknown/unknown                  | false",
        "linux                          | linux/unknown                    | false",
        // Windows: exact osversion, or X.Y.Z against X.Y.Z.A, and nothing else
        "windows/amd64:10.0.17763.1234  | windows/amd64:10.0.17763.1234    | true",
        "windows/amd64:10.0.17763       | windows/amd64:10.0.17763.1234    | true",
        "windows/amd64:10.0.17763.1234  | windows/amd64:10.0.17763.5678    | false",
        "windows/amd64:10               | windows/amd64:10.0.17763.1234    | false",
        "windows/amd64:10.0             | windows/amd64:10.0.17763.1234    | false",
        "windows/amd64:10.0.17763       | windows/amd64:10.0.17763         | true",
        "windows/amd64:10.0.17764       | windows/amd64:10.0.17763.1234    | false",
        "windows/amd64:10.0.17763       | windows/amd64:10.0.17763.1.2     | false",
        "linux/amd64:10.0.17763         | linux/amd64:10.0.17763.1234      | false",
        "windows/amd64                  | windows/amd64:10.0.17763.1234    | true",
      })
  void matchesLikeKo(String specs, String base, boolean expected) {
    PlatformMatcher matcher =
        new PlatformMatcher(specs.isEmpty() ? List.of() : Arrays.asList(specs.split(";")));
    assertThat(matcher.matches(base.equals("-") ? null : Platform.parse(base))).isEqualTo(expected);
  }

  @Test
  void badSpecsAreErrors() {
    assertThatThrownBy(() -> new PlatformMatcher(List.of("linux/amd64", "linux/arm64/v3/z5")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid platform \"linux/arm64/v3/z5\": want os[/arch[/variant]][:osversion]");
    assertThatThrownBy(() -> new PlatformMatcher(List.of("all", "linux/amd64")))
        .hasMessage("all or specific platforms should be used");
    assertThatThrownBy(() -> new PlatformMatcher(List.of("linux/amd64,all")))
        .hasMessage("all or specific platforms should be used");
    assertThat(new PlatformMatcher(List.of("all")).isAll()).isTrue();
    assertThat(new PlatformMatcher(List.of(" linux/amd64 , linux/arm64 ")).toString())
        .isEqualTo("[linux/amd64 linux/arm64]");
  }

  @Test
  void effectivePlatforms() {
    assertThat(effective(List.of(), Map.of())).containsExactly("linux/amd64");
    assertThat(effective(List.of("linux/arm64", "linux/amd64"), Map.of()))
        .containsExactly("linux/arm64", "linux/amd64");
    assertThat(effective(List.of(), Map.of("GOOS", "linux", "GOARCH", "arm", "GOARM", "6")))
        .containsExactly("linux/arm/v6");
    // ko looks for "arm" anywhere in GOARCH, so arm64 picks up GOARM too
    assertThat(effective(List.of(), Map.of("GOOS", "linux", "GOARCH", "arm64", "GOARM", "7")))
        .containsExactly("linux/arm64/v7");
    assertThat(effective(List.of(), Map.of("GOOS", "windows", "GOARCH", "amd64", "GOARM", "7")))
        .containsExactly("windows/amd64");
    // both are needed
    assertThat(effective(List.of(), Map.of("GOOS", "darwin"))).containsExactly("linux/amd64");
    assertThat(effective(List.of(), Map.of("GOARCH", "arm64"))).containsExactly("linux/amd64");
    // ko names the first of GOOS, GOARCH, GOARM that is set, an empty value included (os.LookupEnv)
    assertThatThrownBy(() -> effective(List.of("linux/amd64"), Map.of("GOARCH", "arm64")))
        .hasMessage(
            "cannot use --platform or defaultPlatforms in .ko.yaml or env KO_DEFAULTPLATFORMS"
                + " combined with GOARCH=\"arm64\"");
    assertThatThrownBy(() -> effective(List.of("all"), Map.of("GOARM", "7", "GOARCH", "arm")))
        .hasMessageEndingWith(" combined with GOARCH=\"arm\"");
    assertThatThrownBy(
            () -> effective(List.of("linux/arm64"), Map.of("GOOS", "", "GOARCH", "arm64")))
        .hasMessageEndingWith(" combined with GOOS=\"\"");
    assertThatThrownBy(() -> effective(List.of("linux/arm64"), Map.of("GOARM", "7\"\\\n")))
        .hasMessageEndingWith(" combined with GOARM=\"7\\\"\\\\\\n\"");
  }

  /** The platforms in effect with these of GOOS, GOARCH and GOARM set. */
  private static List<String> effective(List<String> given, Map<String, String> variables) {
    return Platforms.effective(
        given,
        new GoTarget(
            Optional.ofNullable(variables.get("GOOS")),
            Optional.ofNullable(variables.get("GOARCH")),
            Optional.ofNullable(variables.get("GOARM"))));
  }

  @Test
  void goarm() {
    assertThat(Platforms.goarm(Platform.parse("linux/arm/v5"))).isEqualTo("5");
    assertThat(Platforms.goarm(Platform.parse("linux/arm/v7"))).isEqualTo("7");
    assertThat(Platforms.goarm(Platform.parse("linux/arm64/v8"))).isEqualTo("7");
    assertThat(Platforms.goarm(Platform.parse("linux/arm/v4"))).isEmpty();
    assertThatThrownBy(() -> Platforms.goarm(Platform.parse("linux/arm/vnot-a-number")))
        .hasMessageContaining("cannot parse arm variant \"vnot-a-number\"");
    assertThatThrownBy(() -> Platforms.goarm(Platform.parse("linux/arm/wrong-prefix")))
        .hasMessageContaining("strange arm variant: wrong-prefix");
  }

  @Test
  void goEnvironmentPerPlatform() {
    assertThat(Platforms.goEnv(Platform.parse("linux/arm/v7")))
        .containsExactly("CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm", "GOARM=7");
    assertThat(Platforms.goEnv(Platform.parse("linux/arm64/v8")))
        .containsExactly("CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64");
    assertThat(Platforms.goEnv(Platform.parse("linux/amd64/v3")))
        .containsExactly("CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOAMD64=v3");
    assertThat(Platforms.goEnv(Platform.parse("windows/amd64:10.0.17763")))
        .containsExactly("CGO_ENABLED=0", "GOOS=windows", "GOARCH=amd64");
  }
}
