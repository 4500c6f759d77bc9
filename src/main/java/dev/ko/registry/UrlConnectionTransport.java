package dev.ko.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.HttpRetryException;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSession;

/**
 * The bottom of the stack in a fresh process: one exchange on the JDK's blocking {@link
 * HttpURLConnection}, in the calling thread, with the same contract as {@link JdkTransport} (the
 * same failures, in the same words, and the same silence rules), since a run of one command cannot
 * earn back what the asynchronous client costs to start.
 *
 * <p>Connections are kept alive by the JDK between exchanges to the same host. A reply is read into
 * the caller's {@link HttpResponse.BodyHandler} in the calling thread, except a body the caller
 * reads as it comes (an {@code InputStream}), which a thread of its own delivers. Silence ends an
 * exchange: no reply within {@code silence} (the socket's read timeout), no progress sending a
 * streamed body for that long (a watchdog closes the connection), or no data of a reply's body for
 * that long.
 */
final class UrlConnectionTransport implements Transport {
  private static final int CHUNK = 64 * 1024;

  /** For {@code --insecure-registry} only; one instance, as kept-alive connections are per one. */
  private static final HostnameVerifier ANY_NAME = (String host, SSLSession session) -> true;

  /** Checks that streamed uploads make progress; its one thread only starts with the first. */
  private static final ScheduledExecutorService WATCHDOG = watchdog();

  private final HttpTransport clients;
  private final String userAgent;
  private final Duration silence;

  /** For the one method HttpURLConnection cannot send (a streamed layer's PATCH). */
  private final JdkTransport patches;

  UrlConnectionTransport(HttpTransport clients, String userAgent, Duration silence) {
    this.clients = clients;
    this.userAgent = userAgent;
    this.silence = silence;
    this.patches = new JdkTransport(clients, userAgent, silence);
  }

  @Override
  public <T> HttpResponse<T> send(Request request, HttpResponse.BodyHandler<T> handler)
      throws IOException {
    if (request.method().equals("PATCH")) {
      // HttpURLConnection refuses the method outright ("Invalid HTTP method: PATCH"); the JDK
      // client, built on this first use, sends it.
      return patches.send(request, handler);
    }
    String shown = request.shown();
    // The flag stays set (isInterrupted, not interrupted), so that the caller's waits stop too.
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedIOException(shown + ": interrupted");
    }
    Duration limit = request.timeout().compareTo(silence) < 0 ? request.timeout() : silence;
    HttpURLConnection c;
    try {
      c = (HttpURLConnection) request.uri().toURL().openConnection(Proxy.NO_PROXY);
      c.setRequestMethod(request.method());
    } catch (IllegalArgumentException | MalformedURLException e) {
      // The JDK's message may quote the whole URL.
      boolean whole = shown.equals(request.method() + " " + request.uri());
      throw new IOException(shown + ": " + (whole ? e.getMessage() : "invalid URL"), e);
    }
    if (c instanceof HttpsURLConnection tls) {
      tls.setSSLSocketFactory(clients.sockets(request.registry()));
      if (request.registry().insecure()) {
        tls.setHostnameVerifier(ANY_NAME);
      }
    }
    c.setInstanceFollowRedirects(false);
    c.setUseCaches(false);
    c.setConnectTimeout(millis(HttpTransport.CONNECT_TIMEOUT));
    c.setReadTimeout(millis(limit));
    c.setRequestProperty("User-Agent", userAgent);
    // Else the JDK asks for "text/html, image/gif, ..." where the JDK client asks for nothing.
    c.setRequestProperty("Accept", "*/*");
    request.headers().forEach(c::setRequestProperty);
    try {
      return exchange(request, c, handler, limit);
    } catch (IOException e) {
      c.disconnect();
      throw new IOException(shown + ": " + Failures.describe(e), e);
    }
  }

  private <T> HttpResponse<T> exchange(
      Request request, HttpURLConnection c, HttpResponse.BodyHandler<T> handler, Duration limit)
      throws IOException {
    boolean streamed = request.body() instanceof Request.Streamed;
    try {
      if (request.body() instanceof Request.Streamed body) {
        c.setDoOutput(true);
        if (body.size() < 0) {
          c.setChunkedStreamingMode(CHUNK); // of unknown length: a blob still being written
        } else {
          c.setFixedLengthStreamingMode(body.size());
        }
        sendStreamed(c, body, limit);
      } else if (request.method().equals("POST") || request.method().equals("PUT")) {
        // Streamed (of a known length) even from memory: the JDK sends a buffered request again
        // by itself when the connection closes before the reply, and a PUT must not be sent
        // again blindly (a manifest PUT whose reply was lost is checked first, by the caller).
        byte[] bytes = ((Request.InMemory) request.body()).bytes();
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(bytes.length);
        try (OutputStream out = c.getOutputStream()) {
          out.write(bytes);
        }
      }
      int status;
      HttpHeaders headers;
      try {
        status = c.getResponseCode();
        headers = headers(c);
      } catch (HttpRetryException e) {
        // A streamed body answered with a challenge: the JDK reports it as a failure, but keeps
        // the reply's headers (the new challenge) for us to read.
        status = e.responseCode();
        headers = headers(c);
      }
      if (status < 100) {
        throw new IOException("not an HTTP reply");
      }
      return response(request, c, status, headers, handler, limit);
    } catch (SocketTimeoutException e) {
      throw timeout(e, c, streamed, limit);
    }
  }

  /** Reads the blob's stream into the connection; a watchdog ends a send that stops moving. */
  private static void sendStreamed(HttpURLConnection c, Request.Streamed body, Duration limit)
      throws IOException {
    Progress progress = new Progress();
    long period = Math.max(1, limit.toMillis() / 4);
    ScheduledFuture<?> watch =
        WATCHDOG.scheduleWithFixedDelay(
            () -> {
              if (progress.idleNanos() > limit.toNanos()) {
                progress.stall();
                c.disconnect();
              }
            },
            period,
            period,
            TimeUnit.MILLISECONDS);
    try (InputStream in = body.source().open();
        OutputStream out = c.getOutputStream()) {
      byte[] chunk = new byte[CHUNK];
      int n;
      while ((n = in.read(chunk)) > 0) {
        out.write(chunk, 0, n);
        progress.moved();
      }
    } catch (IOException e) {
      if (progress.stalled()) {
        HttpTimeoutException stalled =
            new HttpTimeoutException(
                "no progress sending the body for " + SilenceWatch.seconds(limit));
        stalled.initCause(e);
        throw stalled;
      }
      throw e;
    } finally {
      watch.cancel(false);
    }
  }

  /** When a streamed send last moved, and whether the watchdog gave up on it. */
  private static final class Progress {
    private volatile long last = System.nanoTime();
    private boolean stalled;

    void moved() {
      last = System.nanoTime();
    }

    long idleNanos() {
      return System.nanoTime() - last;
    }

    synchronized void stall() {
      stalled = true;
    }

    synchronized boolean stalled() {
      return stalled;
    }
  }

  private static IOException timeout(
      SocketTimeoutException e, HttpURLConnection c, boolean streamed, Duration limit) {
    c.disconnect();
    HttpTimeoutException t;
    String m = e.getMessage();
    if (m != null && m.toLowerCase(Locale.ROOT).contains("connect")) {
      t = new HttpConnectTimeoutException("connect timed out");
    } else if (streamed) {
      t =
          new HttpTimeoutException(
              "no reply for " + SilenceWatch.seconds(limit) + " after the whole body was sent");
    } else {
      t = new HttpTimeoutException("no answer for " + SilenceWatch.seconds(limit));
    }
    t.initCause(e);
    return t;
  }

  private static HttpHeaders headers(HttpURLConnection c) {
    Map<String, List<String>> fields = new HashMap<>();
    c.getHeaderFields()
        .forEach(
            (name, values) -> {
              if (name != null) {
                fields.put(name, values);
              }
            });
    return HttpHeaders.of(fields, (name, value) -> true);
  }

  /** The reply, its body given to the handler's subscriber. */
  private static <T> HttpResponse<T> response(
      Request request,
      HttpURLConnection c,
      int status,
      HttpHeaders headers,
      HttpResponse.BodyHandler<T> handler,
      Duration limit)
      throws IOException {
    InputStream in = null;
    if (request.method().equals("HEAD") || status == 204 || status == 304) {
      in = null;
    } else if (status >= 400) {
      // None after a challenge to a streamed body: the JDK has closed that connection.
      in = c.getErrorStream();
    } else {
      in = c.getInputStream();
    }
    boolean bodiless = in == null;
    if (bodiless) {
      in = InputStream.nullInputStream();
    }
    HttpResponse.ResponseInfo info =
        new HttpResponse.ResponseInfo() {
          @Override
          public int statusCode() {
            return status;
          }

          @Override
          public HttpHeaders headers() {
            return headers;
          }

          @Override
          public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
          }
        };
    HttpResponse.BodySubscriber<T> subscriber = handler.apply(info);
    long length = bodiless ? -1 : c.getContentLengthLong();
    BodyFeed feed = new BodyFeed(c, in, length, subscriber, limit, request.uri().getAuthority());
    subscriber.onSubscribe(feed);
    CompletableFuture<T> body = subscriber.getBody().toCompletableFuture();
    if (body.isDone()) {
      // The caller reads the body as it comes (an InputStream): delivered by a thread of its own.
      Thread t = new Thread(feed::run, "ko-http-body");
      t.setDaemon(true);
      t.start();
    } else {
      feed.run();
    }
    T value;
    try {
      value = body.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      c.disconnect();
      throw new InterruptedIOException("interrupted");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof IOException io ? io : new IOException(cause.getMessage(), cause);
    }
    return new Reply<>(status, headers, value, request.uri(), request.method());
  }

  /**
   * Delivers a reply's body to its subscriber as the subscriber asks for it; checks that a body
   * with a length has all of it (the JDK's stream just ends early when the connection does).
   */
  private static final class BodyFeed implements Flow.Subscription {
    private final HttpURLConnection connection;
    private final InputStream in;
    private final long length;
    private final HttpResponse.BodySubscriber<?> subscriber;
    private final Duration limit;
    private final String host;
    private long demand;
    private boolean cancelled;

    BodyFeed(
        HttpURLConnection connection,
        InputStream in,
        long length,
        HttpResponse.BodySubscriber<?> subscriber,
        Duration limit,
        String host) {
      this.connection = connection;
      this.in = in;
      this.length = length;
      this.subscriber = subscriber;
      this.limit = limit;
      this.host = host;
    }

    @Override
    public synchronized void request(long n) {
      demand = n <= 0 || demand + n < 0 ? Long.MAX_VALUE : demand + n;
      notifyAll();
    }

    @Override
    public void cancel() {
      synchronized (this) {
        cancelled = true;
        notifyAll();
      }
      connection.disconnect();
    }

    void run() {
      long received = 0;
      try (in) {
        while (true) {
          synchronized (this) {
            while (demand == 0 && !cancelled) {
              wait();
            }
            if (cancelled) {
              return;
            }
            if (demand != Long.MAX_VALUE) {
              demand--;
            }
          }
          byte[] chunk = new byte[CHUNK];
          int n = in.readNBytes(chunk, 0, CHUNK);
          if (n > 0) {
            received += n;
            subscriber.onNext(List.of(ByteBuffer.wrap(chunk, 0, n)));
          }
          if (n < CHUNK) {
            if (length >= 0 && received < length) {
              throw new IOException(
                  "fixed content-length: " + length + ", bytes received: " + received);
            }
            subscriber.onComplete();
            return;
          }
        }
      } catch (SocketTimeoutException e) {
        HttpTimeoutException silent =
            new HttpTimeoutException(
                "no data for " + SilenceWatch.seconds(limit) + " from " + host);
        silent.initCause(e);
        connection.disconnect();
        subscriber.onError(silent);
      } catch (IOException e) {
        connection.disconnect();
        subscriber.onError(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        connection.disconnect();
        subscriber.onError(new InterruptedIOException("interrupted"));
      }
    }
  }

  /** A reply as {@link HttpResponse}, for the decorators above. */
  private record Reply<T>(int statusCode, HttpHeaders headers, T body, URI uri, String method)
      implements HttpResponse<T> {
    @Override
    public HttpRequest request() {
      return HttpRequest.newBuilder(uri)
          .method(method, HttpRequest.BodyPublishers.noBody())
          .build();
    }

    @Override
    public Optional<HttpResponse<T>> previousResponse() {
      return Optional.empty();
    }

    @Override
    public Optional<SSLSession> sslSession() {
      return Optional.empty();
    }

    @Override
    public HttpClient.Version version() {
      return HttpClient.Version.HTTP_1_1;
    }
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
  }

  private static ScheduledExecutorService watchdog() {
    ScheduledThreadPoolExecutor pool =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "ko-http-watchdog");
              t.setDaemon(true);
              return t;
            });
    pool.setRemoveOnCancelPolicy(true);
    return pool;
  }
}
