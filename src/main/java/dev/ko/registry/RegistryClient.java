package dev.ko.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ko.concurrent.Futures;
import dev.ko.log.Log;
import dev.ko.name.Reference;
import dev.ko.name.Registry;
import dev.ko.name.Repository;
import dev.ko.oci.Artifact;
import dev.ko.oci.Content;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.GoJson;
import dev.ko.oci.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * A client for the OCI distribution API. Thread-safe: pings, credentials and tokens are cached per
 * registry, repository and {@link Access}, so parallel uploads share one token.
 *
 * <p>Credentials go to the registry only: a request to any other host or scheme (an upload location
 * or redirect to storage, an HTTPS registry's http:// location) is sent without them, its URL is
 * shown without its query (presigned storage URLs carry their signature there), and it may not lead
 * into a loopback, link-local or private network unless the registry is in one.
 */
public final class RegistryClient {
  private static final int ATTEMPTS = 3;
  private static final int MAX_REDIRECTS = 5;
  private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
  private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(10);

  /**
   * How long the HTTPS try of a registry that may speak plain HTTP may take (Go's TLS handshake
   * timeout): a plain server that does not answer a TLS hello must not stall the run.
   */
  private static final Duration TLS_PROBE_TIMEOUT = Duration.ofSeconds(10);

  private final HttpTransport transport;
  private final Keychain keychain;
  private final String userAgent;
  private final Log log;
  private final Duration retryBackoff;
  private final Clock clock;
  private final Duration tlsProbeTimeout;
  private final InternalHosts internalHosts;
  private final ConcurrentMap<Registry, CompletableFuture<Ping>> pings = new ConcurrentHashMap<>();
  private final ConcurrentMap<Repository, CompletableFuture<Credential>> credentials =
      new ConcurrentHashMap<>();
  private final ConcurrentMap<Access, CompletableFuture<Token>> tokens = new ConcurrentHashMap<>();

  /** What {@code GET /v2/} told us: the scheme that answered and how to authenticate. */
  private record Ping(String scheme, Challenge challenge) {}

  private record Token(String value, Instant expires) {
    boolean validAt(Instant now) {
      return now.isBefore(expires);
    }
  }

  /** A manifest as the registry sent it, under the media type it said (or the document says). */
  public record Fetched(MediaType mediaType, byte[] bytes) {
    /** The sha256 of the bytes, which is what names them. */
    public Digest digest() {
      return Digest.of(bytes);
    }
  }

  /** How a blob got into the repository. */
  public enum Upload {
    /** The registry linked it from another repository. */
    MOUNTED,
    /** Its bytes were sent. */
    PUSHED
  }

  /** Re-openable blob content. */
  @FunctionalInterface
  public interface BlobSource {
    InputStream open() throws IOException;
  }

  public RegistryClient(
      HttpTransport transport,
      Keychain keychain,
      String userAgent,
      Log log,
      Duration retryBackoff) {
    this(
        transport,
        keychain,
        userAgent,
        log,
        retryBackoff,
        Clock.systemUTC(),
        TLS_PROBE_TIMEOUT,
        InternalHosts.DNS);
  }

  /**
   * With the clock that decides when tokens expire (tests move it forward), the time a TLS probe of
   * a maybe-plain registry may take (the JDK's test HTTP server never answers one) and the name
   * resolution that decides which hosts are internal (tests make a loopback stub look public).
   */
  RegistryClient(
      HttpTransport transport,
      Keychain keychain,
      String userAgent,
      Log log,
      Duration retryBackoff,
      Clock clock,
      Duration tlsProbeTimeout,
      InternalHosts.Resolver resolver) {
    this.clock = clock;
    this.tlsProbeTimeout = tlsProbeTimeout;
    this.transport = transport;
    this.keychain = keychain;
    this.userAgent = userAgent;
    this.log = log;
    this.retryBackoff = retryBackoff;
    this.internalHosts = new InternalHosts(resolver);
  }

  // ---------------------------------------------------------------- pulling

  /** Fetches a manifest and, for an image, its config: the base image path. */
  public Artifact pull(Reference ref) throws IOException {
    Access access = Access.pull(ref.repository());
    Fetched fetched = getManifest(access, ref.repository(), ref.identifier());
    return artifact(access, ref.repository(), fetched);
  }

  /**
   * The image or index a fetched manifest describes; a document we cannot read is an IOException.
   */
  Artifact artifact(Access access, Repository repo, Fetched fetched) throws IOException {
    MediaType mt = fetched.mediaType();
    try {
      if (mt.isIndex()) {
        return RemoteIndex.load(this, access, repo, Content.index(mt, fetched.bytes()));
      }
      if (mt.isImage()) {
        return RemoteImage.load(this, access, repo, Content.manifest(mt, fetched.bytes()));
      }
    } catch (IllegalArgumentException e) {
      throw new IOException(repo.name() + "@" + fetched.digest() + ": " + e.getMessage(), e);
    }
    throw new IOException(
        "unsupported manifest media type \""
            + mt
            + "\" for "
            + repo.name()
            + "@"
            + fetched.digest());
  }

  public Fetched getManifest(Access access, Repository repo, String identifier) throws IOException {
    URI uri = url(repo, "/manifests/" + identifier);
    HttpResponse<byte[]> r =
        send(
            access,
            "GET",
            uri,
            Map.of("Accept", MediaType.acceptAllManifests()),
            null,
            BodyHandlers.ofByteArray(),
            Set.of(200),
            true);
    byte[] body = r.body();
    Digest digest = Digest.of(body);
    if (identifier.startsWith("sha256:") && !identifier.equals(digest.toString())) {
      throw new IOException(
          "GET "
              + uri
              + ": manifest digest "
              + digest
              + " does not match the requested "
              + identifier);
    }
    String contentType = r.headers().firstValue("Content-Type").orElse("");
    return new Fetched(new MediaType(mediaTypeOf(contentType, body)), body);
  }

  /**
   * The descriptor of a manifest by tag or digest, or empty if the registry does not have it or
   * does not say which digest it has (then it is simply pushed again).
   */
  public Optional<Descriptor> headManifest(Access access, Repository repo, String identifier)
      throws IOException {
    URI uri = url(repo, "/manifests/" + identifier);
    HttpResponse<byte[]> r =
        send(
            access,
            "HEAD",
            uri,
            Map.of("Accept", MediaType.acceptAllManifests()),
            null,
            BodyHandlers.ofByteArray(),
            Set.of(200, 404),
            true);
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    Optional<String> header = r.headers().firstValue("Docker-Content-Digest");
    if (header.isEmpty()) {
      return Optional.empty();
    }
    Digest digest;
    try {
      digest = Digest.parse(header.get().strip());
    } catch (IllegalArgumentException e) {
      log.debug(
          "HEAD " + uri + ": ignoring Docker-Content-Digest " + header.get() + " (not sha256)");
      return Optional.empty();
    }
    long size = r.headers().firstValueAsLong("Content-Length").orElse(-1);
    String contentType = withoutParameters(r.headers().firstValue("Content-Type").orElse(""));
    return Optional.of(Descriptor.of(new MediaType(contentType), size, digest));
  }

  /** A whole blob in memory (configs); its digest is verified. */
  public byte[] getBlob(Access access, Repository repo, Digest digest) throws IOException {
    byte[] bytes;
    try (InputStream in = openBlob(access, repo, digest)) {
      bytes = in.readAllBytes();
    }
    if (!Digest.of(bytes).equals(digest)) {
      throw new IOException("blob " + repo.name() + "@" + digest + " does not match its digest");
    }
    return bytes;
  }

  /** Streams a blob, following a redirect to storage. */
  public InputStream openBlob(Access access, Repository repo, Digest digest) throws IOException {
    return blobRequest(access, "GET", repo, digest, BodyHandlers.ofInputStream(), Set.of(200))
        .body();
  }

  // ---------------------------------------------------------------- pushing

  /**
   * Whether the repository has the blob. A redirect (registries that keep blobs in S3 or GCS
   * redirect HEAD too) says it has: the registry knows where the bytes are.
   */
  public boolean blobExists(Access access, Repository repo, Digest digest) throws IOException {
    HttpResponse<byte[]> r =
        blobRequest(access, "HEAD", repo, digest, BodyHandlers.ofByteArray(), Set.of(200, 404));
    return r.statusCode() != 404;
  }

  /**
   * Puts a blob into {@code repo}: mounted from {@code mountFrom} when given and the registry
   * agrees, else sent in one PUT to a new upload session. On a temporary failure the whole sequence
   * is repeated, so a retry never goes to an upload session that may have died with the failure;
   * the single requests do not retry on their own. Every stream opened from {@code source} is
   * closed after each attempt, whether or not the request read it to the end.
   */
  public Upload uploadBlob(
      Access access,
      Repository repo,
      Digest digest,
      long size,
      BlobSource source,
      Optional<Repository> mountFrom)
      throws IOException {
    for (int attempt = 1; ; attempt++) {
      ConcurrentLinkedQueue<InputStream> opened = new ConcurrentLinkedQueue<>();
      try {
        Optional<URI> location =
            mountFrom.isPresent()
                ? mountBlob(access, repo, digest, mountFrom.get())
                : Optional.of(startUpload(access, repo));
        if (location.isEmpty()) {
          return Upload.MOUNTED;
        }
        putBlob(
            access,
            location.get(),
            digest,
            size,
            () -> {
              InputStream in = source.open();
              opened.add(in);
              return in;
            });
        return Upload.PUSHED;
      } catch (IOException e) {
        if (attempt < ATTEMPTS && isTemporary(e)) {
          log.debug(
              "retrying the upload of " + digest + " to " + repo + " after: " + e.getMessage());
          backoff(attempt);
          continue;
        }
        throw e;
      } finally {
        closeAll(opened);
      }
    }
  }

  /** Asks the registry to mount a blob; empty when mounted, else the upload it opened instead. */
  private Optional<URI> mountBlob(Access access, Repository target, Digest digest, Repository from)
      throws IOException {
    URI uri = url(target, "/blobs/uploads/?mount=" + digest + "&from=" + encode(from.path()));
    HttpResponse<byte[]> r =
        send(
            access,
            "POST",
            uri,
            Map.of(),
            BodyPublishers::noBody,
            BodyHandlers.ofByteArray(),
            Set.of(201, 202),
            false);
    if (r.statusCode() == 201) {
      return Optional.empty();
    }
    return Optional.of(location(access.registry(), "POST", uri, r.headers()));
  }

  /** Starts an upload session; returns its location. */
  private URI startUpload(Access access, Repository target) throws IOException {
    URI uri = url(target, "/blobs/uploads/");
    HttpResponse<byte[]> r =
        send(
            access,
            "POST",
            uri,
            Map.of(),
            BodyPublishers::noBody,
            BodyHandlers.ofByteArray(),
            Set.of(202),
            false);
    return location(access.registry(), "POST", uri, r.headers());
  }

  /** Sends a whole blob to an upload location in one PUT. */
  private void putBlob(Access access, URI location, Digest digest, long size, BlobSource source)
      throws IOException {
    String sep = location.getRawQuery() == null ? "?" : "&";
    URI uri = URI.create(location + sep + "digest=" + encode(digest.toString()));
    Supplier<BodyPublisher> body =
        () ->
            BodyPublishers.fromPublisher(
                BodyPublishers.ofInputStream(
                    () -> {
                      try {
                        return source.open();
                      } catch (IOException e) {
                        throw new UncheckedIOException(e);
                      }
                    }),
                size);
    send(
        access,
        "PUT",
        uri,
        Map.of("Content-Type", "application/octet-stream"),
        body,
        BodyHandlers.ofByteArray(),
        Set.of(201),
        false);
  }

  public void putManifest(
      Access access, Repository repo, String identifier, MediaType mediaType, byte[] bytes)
      throws IOException {
    send(
        access,
        "PUT",
        url(repo, "/manifests/" + identifier),
        Map.of("Content-Type", mediaType.value()),
        () -> BodyPublishers.ofByteArray(bytes),
        BodyHandlers.ofByteArray(),
        Set.of(200, 201, 202),
        true);
  }

  private static void closeAll(Iterable<InputStream> streams) {
    for (InputStream in : streams) {
      try {
        in.close();
      } catch (IOException e) {
        // nothing more to release
      }
    }
  }

  // ---------------------------------------------------------------- HTTP with auth and retries

  /**
   * A request for a blob. The registry may answer with a redirect to where the bytes are stored: a
   * GET follows it (up to {@value #MAX_REDIRECTS} hops, each target checked, no credentials to
   * hosts other than the registry); for a HEAD the redirect is the answer, so storage is not asked.
   */
  private <T> HttpResponse<T> blobRequest(
      Access access,
      String method,
      Repository repo,
      Digest digest,
      HttpResponse.BodyHandler<T> handler,
      Set<Integer> ok)
      throws IOException {
    Set<Integer> okOrRedirect = new HashSet<>(ok);
    okOrRedirect.addAll(REDIRECTS);
    URI uri = url(repo, "/blobs/" + digest);
    HttpResponse<T> r = send(access, method, uri, Map.of(), null, handler, okOrRedirect, true);
    if (!method.equals("GET")) {
      return r;
    }
    for (int hops = 0; REDIRECTS.contains(r.statusCode()); hops++) {
      discard(r);
      if (hops == MAX_REDIRECTS) {
        throw new RefusedLocation(
            method + " " + shown(access.registry(), uri) + ": too many redirects");
      }
      uri = location(access.registry(), method, uri, r.headers());
      r = send(access, method, uri, Map.of(), null, handler, okOrRedirect, true);
    }
    return r;
  }

  /**
   * Sends a request, with the registry's credentials if it goes to the registry, re-authenticating
   * once after a 401; with {@code retry}, temporary failures are tried again.
   */
  private <T> HttpResponse<T> send(
      Access access,
      String method,
      URI uri,
      Map<String, String> headers,
      Supplier<BodyPublisher> body,
      HttpResponse.BodyHandler<T> handler,
      Set<Integer> ok,
      boolean retry)
      throws IOException {
    Registry registry = access.registry();
    boolean toRegistry = isRegistry(registry, uri);
    boolean reauthenticated = false;
    for (int attempt = 1; ; attempt++) {
      String authorization = toRegistry ? authorization(access) : null;
      HttpResponse<T> r;
      try {
        r = sendOnce(registry, method, uri, headers, body, handler, authorization, REQUEST_TIMEOUT);
      } catch (IOException e) {
        if (retry && attempt < ATTEMPTS && isTemporary(e)) {
          log.debug("retrying " + method + " " + shown(registry, uri) + " after " + describe(e));
          backoff(attempt);
          continue;
        }
        throw e;
      }
      int status = r.statusCode();
      if (status == 401 && toRegistry && !reauthenticated) {
        reauthenticated = true;
        discard(r);
        Challenge challenge =
            Challenge.parse(r.headers().firstValue("WWW-Authenticate").orElse(null))
                .orElse(Challenge.NONE);
        refresh(access, challenge);
        attempt--;
        continue;
      }
      if (!ok.contains(status)
          && retry
          && attempt < ATTEMPTS
          && RegistryException.isTemporary(status)) {
        discard(r);
        log.debug("retrying " + method + " " + shown(registry, uri) + " after status " + status);
        backoff(attempt);
        continue;
      }
      if (status == 401 && toRegistry && !ok.contains(401)) {
        throw unauthorized(access, method, uri, r);
      }
      checkStatus(method, shown(registry, uri), r, ok);
      return r;
    }
  }

  /** A 401 that survived re-authentication, with what we know about why. */
  private RegistryException unauthorized(Access access, String method, URI uri, HttpResponse<?> r)
      throws IOException {
    Registry registry = access.registry();
    List<RegistryException.Error> errors = parseErrors(readBody(r));
    Credential c = credential(access.repository());
    String why =
        c.isAnonymous()
            ? "no credentials found for " + registry + " (log in with: ko login " + registry + ")"
            : "the credentials for " + registry + " were refused";
    if (errors.isEmpty()) {
      errors =
          List.of(new RegistryException.Error("UNAUTHORIZED", "authentication required; " + why));
    } else {
      List<RegistryException.Error> withHint = new ArrayList<>(errors);
      RegistryException.Error last = withHint.remove(withHint.size() - 1);
      withHint.add(new RegistryException.Error(last.code(), last.message() + "; " + why));
      errors = withHint;
    }
    return new RegistryException(method, uri.toString(), 401, errors);
  }

  /**
   * One HTTP exchange, on the client the registry's TLS setting selects. Requests are logged and
   * errors reported with the URL {@link #shown} for the registry.
   */
  private <T> HttpResponse<T> sendOnce(
      Registry registry,
      String method,
      URI uri,
      Map<String, String> headers,
      Supplier<BodyPublisher> body,
      HttpResponse.BodyHandler<T> handler,
      String authorization,
      Duration timeout)
      throws IOException {
    String shown = shown(registry, uri);
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout);
    if (uri.getScheme().equals("http")) {
      b.version(HttpClient.Version.HTTP_1_1);
    }
    b.header("User-Agent", userAgent);
    headers.forEach(b::header);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    b.method(method, body == null ? BodyPublishers.noBody() : body.get());
    log.debug("--> " + method + " " + shown);
    try {
      HttpResponse<T> r = transport.client(registry).send(b.build(), handler);
      log.debug("<-- " + r.statusCode() + " " + method + " " + shown);
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(method + " " + shown + ": interrupted");
    } catch (UncheckedIOException e) {
      throw new IOException(method + " " + shown + ": " + describe(e.getCause()), e.getCause());
    } catch (IOException e) {
      throw new IOException(method + " " + shown + ": " + describe(e), e);
    } catch (IllegalArgumentException e) {
      // The JDK's message may quote the whole URL.
      throw new IOException(
          method
              + " "
              + shown
              + ": "
              + (shown.equals(uri.toString()) ? e.getMessage() : "invalid URL"),
          e);
    }
  }

  private static void checkStatus(
      String method, String shownUri, HttpResponse<?> r, Set<Integer> ok) throws IOException {
    if (ok.contains(r.statusCode())) {
      return;
    }
    byte[] body = readBody(r);
    throw new RegistryException(method, shownUri, r.statusCode(), parseErrors(body));
  }

  private static byte[] readBody(HttpResponse<?> r) throws IOException {
    Object body = r.body();
    if (body instanceof byte[] bytes) {
      return bytes;
    }
    if (body instanceof InputStream in) {
      try (in) {
        return in.readNBytes(64 * 1024);
      }
    }
    return new byte[0];
  }

  private static void discard(HttpResponse<?> r) throws IOException {
    if (r.body() instanceof InputStream in) {
      in.close();
    }
  }

  static List<RegistryException.Error> parseErrors(byte[] body) {
    List<RegistryException.Error> out = new ArrayList<>();
    try {
      JsonNode root = GoJson.mapper().readTree(body);
      if (root != null && root.path("errors").isArray()) {
        for (JsonNode e : root.path("errors")) {
          out.add(
              new RegistryException.Error(e.path("code").asText(""), e.path("message").asText("")));
        }
      }
    } catch (IOException e) {
      // Not JSON (a proxy's HTML page, say): the status code speaks for itself.
    }
    return out;
  }

  /**
   * Worth trying again: an error status the registry calls temporary, or a network failure other
   * than those that will not fix themselves in a second (refused connections, unknown hosts, TLS
   * failures, interruptions).
   */
  static boolean isTemporary(IOException e) {
    Throwable root = e;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof RegistryException r) {
        return r.isTemporary();
      }
      if (t instanceof RefusedLocation) {
        return false;
      }
      root = t;
    }
    return !(root instanceof ConnectException
        || root instanceof UnresolvedAddressException
        || root instanceof UnknownHostException
        || root instanceof SSLException
        || root instanceof InterruptedIOException);
  }

  /** A short reason for an I/O failure; Java's own messages are often empty. */
  static String describe(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && (t.getMessage() == null || t instanceof UncheckedIOException)) {
      t = t.getCause();
    }
    if (e instanceof ConnectException || t instanceof ConnectException) {
      return "connection refused";
    }
    if (t instanceof ClosedChannelException) {
      return "connection closed";
    }
    if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
      return "no such host";
    }
    if (t instanceof HttpTimeoutException) {
      return "timed out";
    }
    if (isCertificateProblem(e)) {
      return "TLS certificate not trusted: "
          + certificateReason(e)
          + " (trust its CA through SSL_CERT_FILE or SSL_CERT_DIR, or use --insecure-registry)";
    }
    if (t instanceof SSLException) {
      return "TLS handshake failed: " + t.getMessage();
    }
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }

  private void backoff(int attempt) throws IOException {
    try {
      // 1x, 3x, 9x the base delay, as go-containerregistry backs off.
      Thread.sleep(retryBackoff.toMillis() * (long) Math.pow(3, attempt - 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to retry");
    }
  }

  // ---------------------------------------------------------------- where requests may go

  /**
   * Whether a request goes to the registry itself: the same host and port, over the scheme the ping
   * chose. Only such requests carry credentials.
   */
  private boolean isRegistry(Registry registry, URI uri) throws IOException {
    return sameOrigin(ping(registry).scheme(), registry.host(), uri);
  }

  static boolean sameOrigin(String scheme, String registryHost, URI uri) {
    return scheme.equalsIgnoreCase(uri.getScheme()) && sameAuthority(registryHost, uri);
  }

  /**
   * Whether {@code uri} names the registry's host and port (a missing port is the scheme's
   * default).
   */
  static boolean sameAuthority(String registryHost, URI uri) {
    if (uri.getRawAuthority() == null || uri.getScheme() == null) {
      return false;
    }
    if (uri.getRawAuthority().equalsIgnoreCase(registryHost)) {
      return true;
    }
    URI base = URI.create(uri.getScheme() + "://" + registryHost);
    return host(base).equalsIgnoreCase(host(uri)) && port(base) == port(uri);
  }

  /** The host of a URL, also for names {@link URI#getHost} rejects (with underscores, say). */
  private static String host(URI uri) {
    if (uri.getHost() != null) {
      return uri.getHost();
    }
    String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
    authority = authority.substring(authority.lastIndexOf('@') + 1);
    int colon = authority.lastIndexOf(':');
    return colon > authority.lastIndexOf(']') ? authority.substring(0, colon) : authority;
  }

  private static int port(URI uri) {
    if (uri.getPort() >= 0) {
      return uri.getPort();
    }
    String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
    int colon = authority.lastIndexOf(':');
    if (uri.getHost() == null && colon > authority.lastIndexOf(']')) {
      try {
        return Integer.parseInt(authority.substring(colon + 1));
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  /**
   * A URL as it may be printed: whole for the registry's own, else without user info, query and
   * fragment, where storage services put signatures (X-Amz-Signature, sig=, X-Goog-Signature).
   */
  private static String shown(Registry registry, URI uri) {
    return sameAuthority(registry.host(), uri) ? uri.toString() : stripQuery(uri).toString();
  }

  /**
   * Where a {@code Location} header sends us, checked: present, HTTP or HTTPS, and not into a
   * loopback, link-local or private network unless the registry is itself in one (SSRF).
   */
  private URI location(Registry registry, String method, URI request, HttpHeaders headers)
      throws IOException {
    String what = method + " " + shown(registry, request);
    String value =
        headers
            .firstValue("Location")
            .orElseThrow(() -> new RefusedLocation(what + ": the registry sent no Location"));
    URI target;
    try {
      target = request.resolve(new URI(value));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new RefusedLocation(what + ": the registry sent a Location that is not a URL");
    }
    String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || host(target).isEmpty()) {
      throw new RefusedLocation(
          what + ": the registry sent a Location that is not an HTTP URL: " + stripQuery(target));
    }
    boolean sameHost =
        host(target).equalsIgnoreCase(host(request)) && port(target) == port(request);
    if (!sameHost
        && internalHosts.isInternal(host(target))
        && !internalHosts.isInternal(host(URI.create("http://" + registry.host())))) {
      throw new RefusedLocation(
          what
              + ": refusing to follow the registry to "
              + stripQuery(target)
              + ": a loopback, link-local or private address, and "
              + registry
              + " is not on one");
    }
    return target;
  }

  /** A Location we do not go to; asking again gets the same answer. */
  private static final class RefusedLocation extends IOException {
    RefusedLocation(String message) {
      super(message);
    }
  }

  /** The URL without user info, query and fragment. */
  static URI stripQuery(URI uri) {
    String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
    authority = authority.substring(authority.lastIndexOf('@') + 1);
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    return URI.create(uri.getScheme() + "://" + authority + path);
  }

  // ---------------------------------------------------------------- authentication

  private String authorization(Access access) throws IOException {
    Challenge challenge = ping(access.registry()).challenge();
    if (challenge.isBasic()) {
      Credential c = credential(access.repository());
      return c.hasPassword() ? c.basicHeader() : null;
    }
    if (challenge.isBearer()) {
      CompletableFuture<Token> cached = tokens.get(access);
      if (cached != null
          && cached.isDone()
          && !cached.isCompletedExceptionally()
          && !cached.join().validAt(clock.instant())) {
        tokens.remove(access, cached);
      }
      // Parallel uploads wait for one token request instead of each making their own.
      return "Bearer " + Futures.once(tokens, access, () -> fetchToken(access, challenge)).value();
    }
    return null;
  }

  /** After a 401: forget the token and learn from the new challenge (it may name a wider scope). */
  private void refresh(Access access, Challenge challenge) throws IOException {
    tokens.remove(access);
    String scheme = ping(access.registry()).scheme();
    if (challenge.isBearer()) {
      Access wider =
          challenge.param("scope").isEmpty() ? access : access.with(challenge.param("scope"));
      pings.put(access.registry(), CompletableFuture.completedFuture(new Ping(scheme, challenge)));
      tokens.put(access, CompletableFuture.completedFuture(fetchToken(wider, challenge)));
    } else if (challenge.isBasic()) {
      pings.put(access.registry(), CompletableFuture.completedFuture(new Ping(scheme, challenge)));
    }
  }

  /**
   * Pings a registry in the background so that connection, TLS and auth discovery are done by the
   * time requests need them. A failure is forgotten here and reported by the first real request.
   */
  public void warmUp(Registry registry, Executor executor) {
    executor.execute(
        () -> {
          try {
            ping(registry);
          } catch (IOException | RuntimeException e) {
            log.debug("warming up " + registry + ": " + e.getMessage());
          }
        });
  }

  /**
   * Pings a registry once per run. Registries that may speak plain HTTP (loopback, private
   * networks, --insecure-registry) are tried with HTTPS first and HTTP second, as Go's ko does, so
   * a TLS registry on localhost works too; the scheme that answered is used from then on.
   */
  private Ping ping(Registry registry) throws IOException {
    return Futures.once(
        pings,
        registry,
        () -> {
          if (registry.scheme().equals("https")) {
            return pingWith("https", registry, REQUEST_TIMEOUT);
          }
          try {
            return pingWith("https", registry, tlsProbeTimeout);
          } catch (IOException overTls) {
            try {
              return pingWith("http", registry, REQUEST_TIMEOUT);
            } catch (IOException plain) {
              // A certificate problem says more than "an HTTP request to an HTTPS server".
              throw isCertificateProblem(overTls) ? overTls : plain;
            }
          }
        });
  }

  private Ping pingWith(String scheme, Registry registry, Duration timeout) throws IOException {
    URI uri = URI.create(scheme + "://" + registry.host() + "/v2/");
    HttpResponse<byte[]> r =
        sendOnce(registry, "GET", uri, Map.of(), null, BodyHandlers.ofByteArray(), null, timeout);
    if (r.statusCode() == 401) {
      return new Ping(
          scheme,
          Challenge.parse(r.headers().firstValue("WWW-Authenticate").orElse(null))
              .orElse(Challenge.NONE));
    }
    if (r.statusCode() == 200) {
      return new Ping(scheme, Challenge.NONE);
    }
    throw new RegistryException("GET", uri.toString(), r.statusCode(), parseErrors(r.body()));
  }

  private static boolean isCertificateProblem(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertificateException
          || t instanceof CertPathValidatorException
          || t instanceof SSLPeerUnverifiedException
          || t instanceof CertPathBuilderException) {
        return true;
      }
    }
    return false;
  }

  private static String certificateReason(Throwable e) {
    String deepest = "";
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertPathBuilderException) {
        return "certificate signed by unknown authority";
      }
      if (t instanceof CertificateExpiredException) {
        return "certificate has expired";
      }
      if (t.getMessage() != null) {
        deepest = t.getMessage();
      }
    }
    return deepest;
  }

  /**
   * The keychain's answer for a repository, asked once per run (a credential helper is a process).
   */
  private Credential credential(Repository repository) throws IOException {
    return Futures.once(credentials, repository, () -> keychain.resolve(repository));
  }

  private Token fetchToken(Access access, Challenge challenge) throws IOException {
    Credential cred = credential(access.repository());
    if (!cred.registryToken().isEmpty()) {
      return new Token(cred.registryToken(), Instant.MAX);
    }
    String realm = challenge.param("realm");
    if (realm.isEmpty()) {
      throw new IOException(
          "registry " + access.registry() + " asked for a Bearer token but named no realm");
    }
    String service = challenge.param("service");
    HttpResponse<byte[]> r;
    URI uri;
    String method;
    if (!cred.identityToken().isEmpty()) {
      method = "POST";
      uri = URI.create(realm);
      StringBuilder form =
          new StringBuilder("grant_type=refresh_token&client_id=ko")
              .append("&refresh_token=")
              .append(encode(cred.identityToken()))
              .append("&service=")
              .append(encode(service))
              .append("&scope=")
              .append(encode(String.join(" ", access.scopes())));
      r =
          sendOnce(
              access.registry(),
              method,
              uri,
              Map.of("Content-Type", "application/x-www-form-urlencoded"),
              () -> BodyPublishers.ofString(form.toString()),
              BodyHandlers.ofByteArray(),
              null,
              REQUEST_TIMEOUT);
    } else {
      method = "GET";
      StringBuilder q = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?");
      q.append("service=").append(encode(service));
      for (String scope : access.scopes()) {
        q.append("&scope=").append(encode(scope));
      }
      uri = URI.create(q.toString());
      r =
          sendOnce(
              access.registry(),
              method,
              uri,
              Map.of(),
              null,
              BodyHandlers.ofByteArray(),
              cred.hasPassword() ? cred.basicHeader() : null,
              REQUEST_TIMEOUT);
    }
    checkStatus(method, stripQuery(uri).toString(), r, Set.of(200));
    JsonNode reply;
    try {
      reply = GoJson.mapper().readTree(r.body());
    } catch (IOException e) {
      throw new IOException(
          "token server " + stripQuery(uri) + " answered with something that is not JSON");
    }
    String token = reply.path("token").asText("");
    if (token.isEmpty()) {
      token = reply.path("access_token").asText("");
    }
    if (token.isEmpty()) {
      throw new IOException("token server " + stripQuery(uri) + " answered without a token");
    }
    long expiresIn = reply.path("expires_in").asLong(60);
    // Renew a little early so a token never expires in the middle of an upload.
    return new Token(token, clock.instant().plusSeconds(Math.max(10, expiresIn) - 5));
  }

  // ---------------------------------------------------------------- helpers

  private URI url(Repository repo, String suffix) throws IOException {
    Registry registry = repo.registry();
    return URI.create(
        ping(registry).scheme() + "://" + registry.host() + "/v2/" + repo.path() + suffix);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** The media type from a Content-Type header (parameters dropped), else from the document. */
  static String mediaTypeOf(String contentType, byte[] body) {
    String ct = withoutParameters(contentType);
    if (!ct.isEmpty() && !ct.equals("application/json") && !ct.equals("text/plain")) {
      return ct;
    }
    try {
      JsonNode n = GoJson.mapper().readTree(body);
      String mt = n.path("mediaType").asText("");
      if (!mt.isEmpty()) {
        return mt;
      }
      if (n.has("manifests")) {
        return MediaType.OCI_INDEX.value();
      }
      if (n.has("config")) {
        return MediaType.OCI_MANIFEST.value();
      }
    } catch (IOException e) {
      // fall through
    }
    return ct;
  }

  /** A Content-Type without its parameters ({@code ; charset=utf-8}). */
  static String withoutParameters(String contentType) {
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).strip();
  }
}
