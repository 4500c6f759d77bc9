package dev.ko.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ko.oci.GoJson;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reading what a registry answered: its status against what we expected, its errors, its body. */
final class Responses {
  private Responses() {}

  /**
   * Throws a {@link RegistryException} with the registry's error codes unless the status is one of
   * {@code ok}.
   */
  static void check(String method, String shownUri, HttpResponse<?> r, Set<Integer> ok)
      throws IOException {
    if (ok.contains(r.statusCode())) {
      return;
    }
    throw failure(method, shownUri, r);
  }

  /** The error an answer is, with the registry's error codes and the wait it asked for. */
  static RegistryException failure(String method, String shownUri, HttpResponse<?> r)
      throws IOException {
    return new RegistryException(
        method,
        shownUri,
        r.statusCode(),
        parseErrors(readBody(r)),
        retryAfter(r.headers(), Instant.now()));
  }

  /**
   * The wait a {@code Retry-After} header asks for, in seconds or as an HTTP date; empty without
   * one or when it cannot be read.
   */
  static Optional<Duration> retryAfter(HttpHeaders headers, Instant now) {
    Optional<String> value = headers.firstValue("Retry-After").map(String::strip);
    if (value.isEmpty()) {
      return Optional.empty();
    }
    String v = value.get();
    try {
      long seconds = Long.parseLong(v);
      return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
    } catch (NumberFormatException e) {
      // An HTTP date, below.
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration d = Duration.between(now, at);
      return Optional.of(d.isNegative() ? Duration.ZERO : d);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** The challenge a 401 (or a ping) carries, {@link Challenge#NONE} without one. */
  static Challenge challenge(HttpResponse<?> r) {
    return Challenge.parse(r.headers().firstValue("WWW-Authenticate").orElse(null))
        .orElse(Challenge.NONE);
  }

  /** The start of an error reply's body, whichever way it was received. */
  static byte[] readBody(HttpResponse<?> r) throws IOException {
    Object body = r.body();
    if (body instanceof byte[] bytes) {
      return bytes;
    }
    if (body instanceof InputStream in) {
      try (in) {
        return in.readNBytes(64 * 1024);
      }
    }
    return new byte[0];
  }

  /** Releases a reply that will not be read (a streamed body holds its connection until then). */
  static void discard(HttpResponse<?> r) throws IOException {
    if (r.body() instanceof InputStream in) {
      in.close();
    }
  }

  /** The {@code errors} list of the distribution spec's error body, empty if there is none. */
  static List<RegistryException.Entry> parseErrors(byte[] body) {
    List<RegistryException.Entry> out = new ArrayList<>();
    try {
      JsonNode root = GoJson.mapper().readTree(body);
      if (root != null && root.path("errors").isArray()) {
        for (JsonNode e : root.path("errors")) {
          out.add(
              new RegistryException.Entry(e.path("code").asText(""), e.path("message").asText("")));
        }
      }
    } catch (IOException e) {
      // Not JSON (a proxy's HTML page, say): the status code speaks for itself.
    }
    return out;
  }
}
