package dev.ko.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go's duration syntax ({@code time.ParseDuration}) for non-negative values: numbers with a unit,
 * {@code ns us ms s m h}, one after another ({@code 1m30s}, {@code 1.5s}); a bare {@code 0} is
 * zero.
 */
final class GoDuration {
  private GoDuration() {}

  private static final Pattern PART =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");
  private static final Map<String, Long> NANOS =
      Map.of(
          "ns", 1L,
          "us", 1_000L,
          "µs", 1_000L,
          "ms", 1_000_000L,
          "s", 1_000_000_000L,
          "m", 60_000_000_000L,
          "h", 3_600_000_000_000L);

  /**
   * @throws IllegalArgumentException when {@code text} is not such a duration
   */
  static Duration parse(String text) {
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(text);
    BigDecimal nanos = BigDecimal.ZERO;
    int at = 0;
    while (at < text.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalArgumentException("invalid duration \"" + text + "\"");
      }
      nanos =
          nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(NANOS.get(m.group(2)))));
      at = m.end();
    }
    if (at == 0) {
      throw new IllegalArgumentException("invalid duration \"" + text + "\"");
    }
    try {
      return Duration.ofNanos(nanos.setScale(0, RoundingMode.DOWN).longValueExact());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("duration \"" + text + "\" is too long", e);
    }
  }
}
