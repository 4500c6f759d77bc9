package dev.ko.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.registry.NetworkSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Go durations, and the network variables that use them. */
class GoDurationTest {
  @Test
  void goDurationsParse() {
    assertThat(GoDuration.parse("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(GoDuration.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(GoDuration.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(GoDuration.parse("200ms")).isEqualTo(Duration.ofMillis(200));
    assertThat(GoDuration.parse("0")).isEqualTo(Duration.ZERO);
    for (String bad : new String[] {"", "30", "s", "-1s", "1d", "1s ", "1.2.3s"}) {
      assertThatThrownBy(() -> GoDuration.parse(bad)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void theNetworkVariablesDefaultAndAreChecked() {
    assertThat(EnvironmentOptions.network(new Env(Map.of()))).isEqualTo(NetworkSettings.DEFAULT);
    assertThat(
            EnvironmentOptions.network(
                new Env(
                    Map.of(
                        "KO_RETRY_BUDGET", "2m",
                        "KO_RETRY_BACKOFF", "50ms",
                        "KO_REGISTRY_TIMEOUT", "5s"))))
        .isEqualTo(
            new NetworkSettings(
                Duration.ofMinutes(2), Duration.ofMillis(50), Duration.ofSeconds(5)));
    assertThatThrownBy(
            () -> EnvironmentOptions.network(new Env(Map.of("KO_REGISTRY_TIMEOUT", "0"))))
        .hasMessage("KO_REGISTRY_TIMEOUT=\"0\": want more than 0s");
    assertThatThrownBy(() -> EnvironmentOptions.network(new Env(Map.of("KO_RETRY_BACKOFF", "5"))))
        .hasMessage("KO_RETRY_BACKOFF=\"5\": want a duration such as 30s, 500ms or 1m30s");
  }
}
