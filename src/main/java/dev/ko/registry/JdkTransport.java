package dev.ko.registry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * The bottom of the stack: one exchange on the JDK client that the registry's TLS setting selects.
 * Failures are reported with the method, the URL as it may be shown, and a short reason.
 */
final class JdkTransport implements Transport {
  private final HttpTransport clients;
  private final String userAgent;

  JdkTransport(HttpTransport clients, String userAgent) {
    this.clients = clients;
    this.userAgent = userAgent;
  }

  @Override
  public <T> HttpResponse<T> send(Request request, HttpResponse.BodyHandler<T> handler)
      throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(request.uri()).timeout(request.timeout());
    if (request.uri().getScheme().equals("http")) {
      b.version(HttpClient.Version.HTTP_1_1);
    }
    b.header("User-Agent", userAgent);
    request.headers().forEach(b::header);
    b.method(request.method(), request.body().get());
    String shown = request.shown();
    try {
      return clients.client(request.registry()).send(b.build(), handler);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(shown + ": interrupted");
    } catch (UncheckedIOException e) {
      // A body that could not be opened or read.
      throw new IOException(shown + ": " + Failures.describe(e.getCause()), e.getCause());
    } catch (IOException e) {
      throw new IOException(shown + ": " + Failures.describe(e), e);
    } catch (IllegalArgumentException e) {
      // The JDK's message may quote the whole URL.
      boolean whole = shown.equals(request.method() + " " + request.uri());
      throw new IOException(shown + ": " + (whole ? e.getMessage() : "invalid URL"), e);
    }
  }
}
