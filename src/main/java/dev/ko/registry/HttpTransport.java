package dev.ko.registry;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Hands out the HTTP client for a request. Clients are created lazily, once, because building one
 * costs start-up time that commands without network work should not pay.
 */
public final class HttpTransport {
  private final Supplier<SSLContext> verifiedTls;
  private final Supplier<SSLContext> unverifiedTls;
  private final Set<String> unverifiedHosts;
  private volatile HttpClient verified;
  private volatile HttpClient unverified;

  /**
   * @param verifiedTls TLS context with the trusted roots
   * @param unverifiedTls TLS context that accepts any certificate, for {@code unverifiedHosts} only
   */
  public HttpTransport(Supplier<SSLContext> verifiedTls, Supplier<SSLContext> unverifiedTls, Set<String> unverifiedHosts) {
    this.verifiedTls = verifiedTls;
    this.unverifiedTls = unverifiedTls;
    this.unverifiedHosts = Set.copyOf(unverifiedHosts);
  }

  public HttpClient client(URI uri) {
    if (unverifiedHosts.contains(uri.getRawAuthority())) {
      HttpClient c = unverified;
      if (c == null) {
        synchronized (this) {
          if (unverified == null) {
            unverified = build(unverifiedTls.get());
          }
          c = unverified;
        }
      }
      return c;
    }
    HttpClient c = verified;
    if (c == null) {
      synchronized (this) {
        if (verified == null) {
          verified = build(verifiedTls.get());
        }
        c = verified;
      }
    }
    return c;
  }

  private static HttpClient build(SSLContext tls) {
    return HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(30))
        .followRedirects(HttpClient.Redirect.NEVER)
        .sslContext(tls)
        .build();
  }
}
