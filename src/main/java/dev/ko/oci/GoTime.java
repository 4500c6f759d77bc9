package dev.ko.oci;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * A timestamp as Go's {@code time.Time} marshals it (RFC 3339 with nanoseconds, trailing zeros
 * dropped, {@code Z} for a zero offset). The zero value prints {@code 0001-01-01T00:00:00Z}, which
 * is what configs carry when no time was set.
 */
public record GoTime(OffsetDateTime time) {
  public static final GoTime ZERO =
      new GoTime(OffsetDateTime.of(1, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));

  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");

  public static GoTime parse(String s) {
    try {
      return new GoTime(OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("invalid time \"" + s + "\": want RFC 3339", e);
    }
  }

  /**
   * Seconds since the epoch, shown in the given zone (Go's {@code time.Unix} uses the local zone).
   */
  public static GoTime ofEpochSecond(long seconds, ZoneId zone) {
    return new GoTime(OffsetDateTime.ofInstant(Instant.ofEpochSecond(seconds), zone));
  }

  /**
   * Go's {@code time.Local} for a {@code TZ} value: the named zone (a leading ':' allowed), UTC for
   * an unknown name, the system zone when TZ is unset or empty.
   */
  public static ZoneId localZone(String tz) {
    if (tz == null || tz.isEmpty()) {
      return ZoneId.systemDefault();
    }
    try {
      return ZoneId.of(tz.startsWith(":") ? tz.substring(1) : tz);
    } catch (RuntimeException e) {
      return ZoneId.of("UTC");
    }
  }

  public boolean isZero() {
    return time.toInstant().equals(ZERO.time.toInstant());
  }

  public long epochSecond() {
    return time.toEpochSecond();
  }

  /** Go's RFC3339Nano. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(35);
    b.append(SECONDS.format(time));
    int nanos = time.getNano();
    if (nanos != 0) {
      String frac = String.format("%09d", nanos);
      int end = frac.length();
      while (frac.charAt(end - 1) == '0') {
        end--;
      }
      b.append('.').append(frac, 0, end);
    }
    int offset = time.getOffset().getTotalSeconds();
    if (offset == 0) {
      b.append('Z');
    } else {
      int minutes = Math.abs(offset) / 60;
      b.append(offset < 0 ? '-' : '+')
          .append(String.format("%02d:%02d", minutes / 60, minutes % 60));
    }
    return b.toString();
  }
}
