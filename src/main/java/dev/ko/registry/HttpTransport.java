package dev.ko.registry;

import dev.ko.name.Registry;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/**
 * Hands out the HTTP client for a registry's requests: the one that skips TLS verification for a
 * registry named insecure ({@code --insecure-registry} marks the names it applies to), the
 * verifying one for every other. Clients are created lazily, once, because building one costs
 * start-up time that commands without network work should not pay.
 *
 * <p>Which client depends on how long the process lives ({@link Engine}): the JDK's {@link
 * HttpClient} for the build server, which keeps it warm from one request to the next, and {@link
 * java.net.HttpURLConnection} for a fresh process, where the JDK client's first exchange costs
 * about 0.2 s of CPU more (its classes, threads and asynchronous pipeline) than a blocking one.
 *
 * <p>Each client runs its callbacks on a few threads of its own, not on the JDK's default pool,
 * which grows with the exchanges in flight and keeps idle threads for a minute. Those threads never
 * block (a streamed request body is read by the thread that sends it, see {@link JdkTransport}), so
 * a few are enough however many uploads run; they are not the build's worker threads either, which
 * block in {@code send}.
 */
public final class HttpTransport {
  /**
   * The client threads: they decrypt and frame what the selector reads, CPU work, so two, or up to
   * four on more cores; the sending threads do the rest.
   */
  static final int THREADS = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));

  /**
   * How long a TCP connection (and TLS handshake) may take; a connection that cannot be made is
   * reported, not retried.
   */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** The HTTP client a registry's requests go through. */
  public enum Engine {
    /** The JDK's asynchronous {@link HttpClient}: for a process that serves many runs. */
    JDK_CLIENT,
    /** The blocking {@link java.net.HttpURLConnection}: for a process that lives for one run. */
    URL_CONNECTION
  }

  private final Engine engine;
  private final Lazy verified;
  private final Lazy unverified;

  /**
   * @param engine the client that sends the requests
   * @param verifiedTls TLS context with the trusted roots
   * @param unverifiedTls TLS context that accepts any certificate, for insecure registries only
   */
  public HttpTransport(
      Engine engine, Supplier<SSLContext> verifiedTls, Supplier<SSLContext> unverifiedTls) {
    this(engine, verifiedTls, unverifiedTls, THREADS);
  }

  /** With the number of threads each JDK client may use (tests use one). */
  HttpTransport(
      Engine engine,
      Supplier<SSLContext> verifiedTls,
      Supplier<SSLContext> unverifiedTls,
      int threads) {
    this.engine = engine;
    this.verified = new Lazy(verifiedTls, "verified", threads);
    this.unverified = new Lazy(unverifiedTls, "insecure", threads);
  }

  Engine engine() {
    return engine;
  }

  /**
   * The client for requests that {@code registry} leads to: to itself, and to the token servers and
   * storage it names, as go-containerregistry uses one transport for them all.
   */
  public HttpClient client(Registry registry) {
    return lazy(registry).get();
  }

  /**
   * The TLS sockets for requests that {@code registry} leads to, for {@link #engine} {@code
   * URL_CONNECTION}: one factory per setting, because the JDK reuses a kept-alive connection only
   * for the factory that made it.
   */
  SSLSocketFactory sockets(Registry registry) {
    return lazy(registry).sockets();
  }

  private Lazy lazy(Registry registry) {
    return registry.insecure() ? unverified : verified;
  }

  /** A client built on first use; later calls get the same one without locking. */
  private static final class Lazy {
    private final Supplier<SSLContext> tls;
    private final String name;
    private final int threads;
    private volatile HttpClient client;
    private volatile SSLSocketFactory sockets;

    Lazy(Supplier<SSLContext> tls, String name, int threads) {
      this.tls = tls;
      this.name = name;
      this.threads = threads;
    }

    SSLSocketFactory sockets() {
      SSLSocketFactory f = sockets;
      if (f == null) {
        synchronized (this) {
          f = sockets;
          if (f == null) {
            f = tls.get().getSocketFactory();
            sockets = f;
          }
        }
      }
      return f;
    }

    HttpClient get() {
      HttpClient c = client;
      if (c == null) {
        synchronized (this) {
          c = client;
          if (c == null) {
            c =
                HttpClient.newBuilder()
                    .connectTimeout(CONNECT_TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .sslContext(tls.get())
                    .executor(executor(name, threads))
                    .build();
            client = c;
          }
        }
      }
      return c;
    }
  }

  /**
   * Daemon threads, so that the JVM exits with exchanges still open; idle ones end after a second
   * (a test JVM makes many clients). The queue is unbounded because the client treats a refused
   * task as a fatal error.
   */
  private static Executor executor(String name, int threads) {
    AtomicInteger count = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            1,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "ko-http-" + name + "-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
