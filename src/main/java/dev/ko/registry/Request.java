package dev.ko.registry;

import dev.ko.name.Registry;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A request as the registry layer describes it; each decorator passes on a copy with what it adds.
 *
 * @param registry the registry the request is made for: it selects the TLS setting and the
 *     credentials, and decides which URLs are shown whole
 * @param access the scopes the request needs, empty for one that never carries credentials (a ping,
 *     a token request)
 * @param uri absolute, or a path and query on the registry, which {@link PingTransport} completes
 *     with the scheme that answered the ping
 * @param body what it sends; each sending (a retry, a re-authentication) sends it anew
 * @param idempotent whether {@link RetryTransport} may send it again on its own (GET, HEAD, a token
 *     request); an upload session's POST and PUT may not, as the session may have died with the
 *     failure, and a step of a sequence its caller retries ({@link #once}) is sent once
 * @param ping what the registry's ping found, once {@link PingTransport} has been passed
 */
record Request(
    Registry registry,
    Optional<Access> access,
    String method,
    URI uri,
    Map<String, String> headers,
    Body body,
    Duration timeout,
    boolean idempotent,
    Optional<Ping> ping) {
  /**
   * The most a whole exchange with a streamed body may take: long enough for a big layer over a
   * slow link. Silence fails any exchange sooner (see {@link JdkTransport}); a request with a
   * shorter timeout of its own (a TLS probe) gets that.
   */
  static final Duration TIMEOUT = Duration.ofMinutes(10);

  /** What a request sends. */
  sealed interface Body {}

  /** Bytes in memory (a manifest, a form), sent as they are on each sending; never changed. */
  static final class InMemory implements Body {
    private final byte[] bytes;

    InMemory(byte[] bytes) {
      this.bytes = bytes;
    }

    /** The bytes themselves, not a copy: read them, never change them. */
    byte[] bytes() {
      return bytes;
    }
  }

  /**
   * A blob read from its source while it is sent, by the sending thread (see {@link StreamedBody});
   * the source is opened again for each sending. A negative size is an unknown one: the body is
   * sent chunked.
   */
  record Streamed(RegistryClient.BlobSource source, long size) implements Body {}

  /** No body at all (not even an empty one) for the JDK client; zero bytes for the others. */
  static final Body NO_BODY = new InMemory(new byte[0]);

  Request {
    headers = Map.copyOf(headers);
  }

  /** A request without body or credentials; GET and HEAD are idempotent. */
  static Request of(Registry registry, String method, URI uri) {
    boolean idempotent = method.equals("GET") || method.equals("HEAD");
    return new Request(
        registry,
        Optional.empty(),
        method,
        uri,
        Map.of(),
        NO_BODY,
        TIMEOUT,
        idempotent,
        Optional.empty());
  }

  Request withAccess(Access a) {
    return new Request(
        registry, Optional.of(a), method, uri, headers, body, timeout, idempotent, ping);
  }

  Request withUri(URI u) {
    return new Request(registry, access, method, u, headers, body, timeout, idempotent, ping);
  }

  Request withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Request(registry, access, method, uri, more, body, timeout, idempotent, ping);
  }

  Request withBody(byte[] bytes) {
    return withBody(new InMemory(bytes.clone()));
  }

  Request withBody(Body b) {
    return new Request(registry, access, method, uri, headers, b, timeout, idempotent, ping);
  }

  Request withTimeout(Duration t) {
    return new Request(registry, access, method, uri, headers, body, t, idempotent, ping);
  }

  Request withIdempotent(boolean i) {
    return new Request(registry, access, method, uri, headers, body, timeout, i, ping);
  }

  /**
   * The same request, sent once by {@link RetryTransport}: a step of a sequence that its caller
   * retries as a whole.
   */
  Request once() {
    return withIdempotent(false);
  }

  Request withPing(Ping p) {
    return new Request(
        registry, access, method, uri, headers, body, timeout, idempotent, Optional.of(p));
  }

  /** Whether this request goes to the registry itself, over the scheme its ping chose. */
  boolean toRegistry() {
    return ping.isPresent() && Urls.sameOrigin(ping.get().scheme(), registry.host(), uri);
  }

  /** The method and URL, as messages and the debug log show them. */
  String shown() {
    return method + " " + (uri.isAbsolute() ? Urls.shown(registry, uri) : uri.toString());
  }
}
