package dev.ko.registry;

import dev.ko.errors.Contextual;
import java.io.IOException;
import java.util.List;

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

  public RegistryException(String method, String url, int status, List<Entry> errors) {
    super(format(method, url, status, errors));
    this.method = method;
    this.url = url;
    this.status = status;
    this.errors = List.copyOf(errors);
  }

  private RegistryException(String context, RegistryException cause) {
    super(context + cause.getMessage(), cause);
    this.method = cause.method;
    this.url = cause.url;
    this.status = cause.status;
    this.errors = cause.errors;
  }

  @Override
  public RegistryException withContext(String context) {
    return new RegistryException(context, this);
  }

  private static String format(String method, String url, int status, List<Entry> errors) {
    StringBuilder b = new StringBuilder(method).append(' ').append(url).append(": ");
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

  /** Worth retrying: timeouts, throttling and server errors. */
  public boolean isTemporary() {
    return isTemporary(status);
  }

  /** The one rule for which statuses are worth retrying: 408, 429 and 5xx. */
  public static boolean isTemporary(int status) {
    return status == 408 || status == 429 || status >= 500;
  }
}
