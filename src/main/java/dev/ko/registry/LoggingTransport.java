package dev.ko.registry;

import dev.ko.log.Log;
import java.io.IOException;
import java.net.http.HttpResponse;

/**
 * Logs each exchange on the debug log ({@code -v}): {@code --> GET url} before, {@code <-- 200 GET
 * url} after. URLs of hosts other than the registry are shown without user info and query, where
 * storage services put their signatures; the registry's own carry no secrets.
 */
final class LoggingTransport implements Transport {
  private final Transport next;
  private final Log log;

  LoggingTransport(Transport next, Log log) {
    this.next = next;
    this.log = log;
  }

  @Override
  public <T> HttpResponse<T> send(Request request, HttpResponse.BodyHandler<T> handler)
      throws IOException {
    String shown = request.shown();
    log.debug("--> " + shown);
    HttpResponse<T> r = next.send(request, handler);
    log.debug("<-- " + r.statusCode() + " " + shown);
    return r;
  }
}
