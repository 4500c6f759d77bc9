package dev.ko.registry;

import dev.ko.errors.Contextual;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A registry answered with an error status. The message is one line: method, URL (never with
 * credentials), and the registry's error codes and messages, or the status when it sent none.
 */
public final class RegistryException extends IOException implements Contextual<RegistryException> {
  /** One entry of the registry's {@code errors} list. */
  public record Entry(String code, String message) {}

  private final String method;
  private final String url;
  private final int status;
  private final List<Entry> errors;
  private final Optional<Duration> retryAfter;
  private final boolean spent;

  public RegistryException(String method, String url, int status, List<Entry> errors) {
    this(method, url, status, errors, Optional.empty());
  }

  /** With the wait the registry asked for ({@code Retry-After}), if it named one. */
  RegistryException(
      String method, String url, int status, List<Entry> errors, Optional<Duration> retryAfter) {
    super(method + " " + url + ": " + detail(status, errors));
    this.method = method;
    this.url = url;
    this.status = status;
    this.errors = List.copyOf(errors);
    this.retryAfter = retryAfter;
    this.spent = false;
  }

  private RegistryException(String message, RegistryException cause, boolean spent) {
    super(message, cause);
    this.method = cause.method;
    this.url = cause.url;
    this.status = cause.status;
    this.errors = cause.errors;
    this.retryAfter = cause.retryAfter;
    this.spent = spent;
  }

  @Override
  public RegistryException withContext(String context) {
    return new RegistryException(context + getMessage(), this, spent);
  }

  /**
   * The same answer once its retries are spent, under {@code message} (which says how many tries in
   * how long); it is no longer temporary, so an enclosing retry does not try it again.
   */
  RegistryException spent(String message) {
    return new RegistryException(message, this, true);
  }

  /** The wait the registry asked for before the next try, if it named one. */
  Optional<Duration> retryAfter() {
    return retryAfter;
  }

  /** What the registry said: its error codes and messages, else the status. */
  static String detail(int status, List<Entry> errors) {
    StringBuilder b = new StringBuilder();
    if (errors.isEmpty()) {
      b.append("unexpected status code ").append(status).append(' ').append(reason(status));
    } else {
      for (int i = 0; i < errors.size(); i++) {
        if (i > 0) {
          b.append("; ");
        }
        Entry e = errors.get(i);
        b.append(e.code());
        if (!e.message().isEmpty()) {
          b.append(": ").append(e.message());
        }
      }
    }
    return b.toString();
  }

  private static String reason(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 408 -> "Request Timeout";
      case 409 -> "Conflict";
      case 413 -> "Payload Too Large";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "";
    };
  }

  public String method() {
    return method;
  }

  public String url() {
    return url;
  }

  public int status() {
    return status;
  }

  public List<Entry> errors() {
    return errors;
  }

  /**
   * Worth retrying: timeouts, throttling and server errors, unless this answer is what was left
   * when the retries were spent.
   */
  public boolean isTemporary() {
    return !spent && isTemporary(status);
  }

  /** The one rule for which statuses are worth retrying: 408, 429 and 5xx. */
  public static boolean isTemporary(int status) {
    return status == 408 || status == 429 || status >= 500;
  }
}
