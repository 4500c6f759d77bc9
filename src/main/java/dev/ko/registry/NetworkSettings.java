package dev.ko.registry;

import java.time.Duration;

/**
 * How long the registry client keeps trying and how long it waits for a silent registry.
 *
 * @param retryBudget how long a request, or a whole upload sequence, may be tried in all, its tries
 *     included, before the last failure is reported
 * @param firstRetryWait the wait before the first retry; each next one doubles, up to {@link
 *     RetryPolicy#MAX_WAIT}, jittered
 * @param silence how long a registry may leave an open request unanswered (no reply, no body data,
 *     not taking the body we send) before the request fails
 */
public record NetworkSettings(Duration retryBudget, Duration firstRetryWait, Duration silence) {
  /** 30 s of retries starting at 200 ms; 30 s of silence. */
  public static final NetworkSettings DEFAULT =
      new NetworkSettings(Duration.ofSeconds(30), Duration.ofMillis(200), Duration.ofSeconds(30));

  public NetworkSettings {
    if (retryBudget.isNegative()
        || firstRetryWait.isNegative()
        || silence.isNegative()
        || silence.isZero()) {
      throw new IllegalArgumentException(
          "network settings: want a retry budget and first wait >= 0 and a timeout > 0, got "
              + retryBudget
              + ", "
              + firstRetryWait
              + ", "
              + silence);
    }
  }
}
