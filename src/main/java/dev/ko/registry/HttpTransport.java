package dev.ko.registry;

import dev.ko.name.Registry;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Hands out the HTTP client for a registry's requests: the one that skips TLS verification for a
 * registry named insecure ({@code --insecure-registry} marks the names it applies to), the
 * verifying one for every other. Clients are created lazily, once, because building one costs
 * start-up time that commands without network work should not pay.
 */
public final class HttpTransport {
  private final Lazy verified;
  private final Lazy unverified;

  /**
   * @param verifiedTls TLS context with the trusted roots
   * @param unverifiedTls TLS context that accepts any certificate, for insecure registries only
   */
  public HttpTransport(Supplier<SSLContext> verifiedTls, Supplier<SSLContext> unverifiedTls) {
    this.verified = new Lazy(verifiedTls);
    this.unverified = new Lazy(unverifiedTls);
  }

  /**
   * The client for requests that {@code registry} leads to: to itself, and to the token servers and
   * storage it names, as go-containerregistry uses one transport for them all.
   */
  public HttpClient client(Registry registry) {
    return (registry.insecure() ? unverified : verified).get();
  }

  /** A client built on first use; later calls get the same one without locking. */
  private static final class Lazy {
    private final Supplier<SSLContext> tls;
    private volatile HttpClient client;

    Lazy(Supplier<SSLContext> tls) {
      this.tls = tls;
    }

    HttpClient get() {
      HttpClient c = client;
      if (c == null) {
        synchronized (this) {
          c = client;
          if (c == null) {
            c =
                HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(30))
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .sslContext(tls.get())
                    .build();
            client = c;
          }
        }
      }
      return c;
    }
  }
}
