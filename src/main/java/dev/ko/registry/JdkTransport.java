package dev.ko.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The bottom of the stack: one exchange on the JDK client that the registry's TLS setting selects.
 * Failures are reported with the method, the URL as it may be shown, and a short reason. A streamed
 * body is read by the calling thread while the client sends it ({@link StreamedBody}), so the
 * client's own threads never block on a source.
 *
 * <p>Silence ends an exchange: no reply within {@code silence} of sending the request (or its last
 * byte, for a streamed body), no progress sending a streamed body for that long, or no data of a
 * reply's body for that long ({@link SilenceWatch}). A registry that accepts a connection and never
 * answers is an error naming it, not a hang.
 */
final class JdkTransport implements Transport {
  private final HttpTransport clients;
  private final String userAgent;
  private final Duration silence;

  JdkTransport(HttpTransport clients, String userAgent, Duration silence) {
    this.clients = clients;
    this.userAgent = userAgent;
    this.silence = silence;
  }

  @Override
  public <T> HttpResponse<T> send(Request request, HttpResponse.BodyHandler<T> given)
      throws IOException {
    Duration limit = request.timeout().compareTo(silence) < 0 ? request.timeout() : silence;
    HttpResponse.BodyHandler<T> handler =
        SilenceWatch.watched(given, limit, request.uri().getAuthority());
    boolean streamed = request.body() instanceof Request.Streamed;
    HttpRequest.Builder b =
        HttpRequest.newBuilder(request.uri()).timeout(streamed ? Request.TIMEOUT : limit);
    if (request.uri().getScheme().equals("http")) {
      b.version(HttpClient.Version.HTTP_1_1);
    }
    b.header("User-Agent", userAgent);
    request.headers().forEach(b::header);
    String shown = request.shown();
    try {
      HttpClient client = clients.client(request.registry());
      if (request.body() instanceof Request.Streamed body) {
        return sendStreamed(client, b, request.method(), body, handler, limit);
      }
      b.method(
          request.method(),
          request.body() == Request.NO_BODY
              ? BodyPublishers.noBody()
              : BodyPublishers.ofByteArray(((Request.InMemory) request.body()).bytes()));
      try {
        return client.send(b.build(), handler);
      } catch (HttpConnectTimeoutException e) {
        throw e;
      } catch (HttpTimeoutException e) {
        HttpTimeoutException silent =
            new HttpTimeoutException("no answer for " + SilenceWatch.seconds(limit));
        silent.initCause(e);
        throw silent;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(shown + ": interrupted");
    } catch (UncheckedIOException e) {
      throw new IOException(shown + ": " + Failures.describe(e.getCause()), e.getCause());
    } catch (IOException e) {
      throw new IOException(shown + ": " + Failures.describe(e), e);
    } catch (IllegalArgumentException e) {
      // The JDK's message may quote the whole URL.
      boolean whole = shown.equals(request.method() + " " + request.uri());
      throw new IOException(shown + ": " + (whole ? e.getMessage() : "invalid URL"), e);
    }
  }

  /**
   * Sends a blob read by this thread; the stream is closed when the exchange ends, whether or not
   * the registry read it to the end. The registry must take the body without a pause of {@code
   * limit} and answer within {@code limit} of its end.
   */
  private static <T> HttpResponse<T> sendStreamed(
      HttpClient client,
      HttpRequest.Builder b,
      String method,
      Request.Streamed streamed,
      HttpResponse.BodyHandler<T> handler,
      Duration limit)
      throws IOException, InterruptedException {
    StreamedBody body = new StreamedBody();
    // Of unknown length (a blob still being written): sent chunked.
    b.method(
        method,
        streamed.size() < 0
            ? BodyPublishers.fromPublisher(body)
            : BodyPublishers.fromPublisher(body, streamed.size()));
    try (InputStream in = streamed.source().open()) {
      CompletableFuture<HttpResponse<T>> sent = client.sendAsync(b.build(), handler);
      // Wakes the feeding thread when the registry answers before it has read the whole body.
      CompletableFuture<HttpResponse<T>> exchange = sent.whenComplete((r, e) -> body.stop());
      try {
        body.feed(in, exchange, limit);
        return exchange.get(limit.toNanos(), TimeUnit.NANOSECONDS);
      } catch (IOException | InterruptedException e) {
        body.abandon(e);
        sent.cancel(true);
        throw e;
      } catch (TimeoutException e) {
        sent.cancel(true);
        throw new HttpTimeoutException(
            "no reply for " + SilenceWatch.seconds(limit) + " after the whole body was sent");
      } catch (ExecutionException e) {
        throw unwrap(e.getCause());
      }
    }
  }

  /** What the client failed with, as {@link HttpClient#send} would throw it. */
  private static IOException unwrap(Throwable cause) {
    if (cause instanceof IOException io) {
      return io;
    }
    if (cause instanceof IllegalArgumentException iae) {
      throw iae;
    }
    return new IOException(cause.getMessage(), cause);
  }
}
