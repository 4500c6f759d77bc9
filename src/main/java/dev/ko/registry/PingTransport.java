package dev.ko.registry;

import dev.ko.concurrent.Futures;
import dev.ko.name.Registry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Pings each registry once per run ({@code GET /v2/}) before its first request, and hands what it
 * found on with every request: the scheme that answered, which completes the registry-relative
 * URLs, and the challenge, which tells {@link AuthTransport} how to authenticate.
 *
 * <p>Registries that may speak plain HTTP (loopback, private networks, {@code --insecure-registry})
 * are pinged over HTTPS and HTTP at once, and HTTPS wins when it answers, as in Go's ko (which
 * tries HTTPS first and HTTP second), so a TLS registry on localhost works too; the scheme that
 * answered is used from then on. Asking both at once saves what a failing TLS handshake costs a
 * fresh JVM (150-200 ms on a plain local registry); the HTTP ping carries no credentials either
 * way.
 */
final class PingTransport implements Transport {
  /**
   * How long the HTTPS try of a registry that may speak plain HTTP may take (Go's TLS handshake
   * timeout): a plain server that does not answer a TLS hello must not stall the run.
   */
  static final Duration TLS_PROBE_TIMEOUT = Duration.ofSeconds(10);

  private final Transport next;
  private final Transport probe;
  private final Transport tlsProbe;
  private final Duration tlsProbeTimeout;
  private final ContentCache memo;
  private final ConcurrentMap<Registry, CompletableFuture<Ping>> pings = new ConcurrentHashMap<>();

  /**
   * @param next where the requests go, with what the ping found
   * @param probe where the pings themselves go (retried, like any GET)
   * @param tlsProbe where the HTTPS try of a maybe-plain registry goes: sent once, as it is
   *     expected to fail when the registry speaks plain HTTP
   * @param tlsProbeTimeout the time that try may take (the JDK's test HTTP server never answers
   *     one)
   */
  PingTransport(Transport next, Transport probe, Transport tlsProbe, Duration tlsProbeTimeout) {
    this(next, probe, tlsProbe, tlsProbeTimeout, ContentCache.NONE);
  }

  /**
   * @param memo where a registry that answered over plain HTTP only is remembered between runs
   */
  PingTransport(
      Transport next,
      Transport probe,
      Transport tlsProbe,
      Duration tlsProbeTimeout,
      ContentCache memo) {
    this.next = next;
    this.probe = probe;
    this.tlsProbe = tlsProbe;
    this.tlsProbeTimeout = tlsProbeTimeout;
    this.memo = memo;
  }

  @Override
  public <T> HttpResponse<T> send(Request request, HttpResponse.BodyHandler<T> handler)
      throws IOException {
    Ping ping = ping(request.registry());
    Request pinged = request.withPing(ping);
    if (!request.uri().isAbsolute()) {
      pinged =
          pinged.withUri(
              URI.create(ping.scheme() + "://" + request.registry().host() + request.uri()));
    }
    return next.send(pinged, handler);
  }

  /**
   * The registry's ping, made by the first caller while the others wait. A failure is reported to
   * those waiting and forgotten, so a later request pings again.
   */
  Ping ping(Registry registry) throws IOException {
    return Futures.once(
        pings,
        registry,
        () -> {
          if (registry.scheme().equals("https")) {
            return pingWith(probe, "https", registry, Request.TIMEOUT);
          }
          if (memo.speaksPlainHttp(registry)) {
            // Answered over plain HTTP only last time: the TLS probe would fail again, at the
            // cost of a TLS handshake. Anything but an answer now probes both ways again.
            try {
              return pingWith(tlsProbe, "http", registry, tlsProbeTimeout);
            } catch (IOException changed) {
              memo.rememberPlainHttp(registry, false);
            }
          }
          Ping found = probeBothWays(registry);
          memo.rememberPlainHttp(registry, found.scheme().equals("http"));
          return found;
        });
  }

  /** HTTPS and plain HTTP at once; HTTPS wins when it answers. */
  private Ping probeBothWays(Registry registry) throws IOException {
    // The plain ping on a thread of its own (one per such registry and run): a leaf that
    // waits for nothing but its reply.
    CompletableFuture<Ping> plain = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                plain.complete(pingWith(probe, "http", registry, Request.TIMEOUT));
              } catch (IOException | RuntimeException e) {
                plain.completeExceptionally(e);
              }
            },
            "ko-ping-http");
    t.setDaemon(true);
    t.start();
    try {
      return pingWith(tlsProbe, "https", registry, tlsProbeTimeout);
    } catch (IOException overTls) {
      try {
        return Futures.join(plain);
      } catch (IOException plainFailure) {
        // A certificate problem says more than "an HTTP request to an HTTPS server".
        throw Failures.isCertificateProblem(overTls) ? overTls : plainFailure;
      }
    }
  }

  private static Ping pingWith(Transport via, String scheme, Registry registry, Duration timeout)
      throws IOException {
    URI uri = URI.create(scheme + "://" + registry.host() + "/v2/");
    HttpResponse<byte[]> r =
        via.send(Request.of(registry, "GET", uri).withTimeout(timeout), BodyHandlers.ofByteArray());
    if (r.statusCode() == 401) {
      return new Ping(scheme, Responses.challenge(r));
    }
    if (r.statusCode() == 200) {
      return new Ping(scheme, Challenge.NONE);
    }
    throw new RegistryException(
        "GET", uri.toString(), r.statusCode(), Responses.parseErrors(r.body()));
  }
}
