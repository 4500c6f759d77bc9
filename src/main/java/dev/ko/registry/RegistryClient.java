package dev.ko.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.concurrent.Futures;
import dev.ko.log.Log;
import dev.ko.name.Reference;
import dev.ko.name.Registry;
import dev.ko.name.Repository;
import dev.ko.oci.Artifact;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * A client for the OCI distribution API. Thread-safe: pings, credentials and tokens are cached per
 * registry and per {@link Access}, so parallel uploads share one token.
 */
public final class RegistryClient {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int ATTEMPTS = 3;
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
  private final ConcurrentMap<String, CompletableFuture<Ping>> pings = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, CompletableFuture<Credential>> credentials = new ConcurrentHashMap<>();
  private final ConcurrentMap<Access, CompletableFuture<Token>> tokens = new ConcurrentHashMap<>();

  /** What {@code GET /v2/} told us: the scheme that answered and how to authenticate. */
  private record Ping(String scheme, Challenge challenge) {}

  private record Token(String value, Instant expires) {
    boolean validAt(Instant now) {
      return now.isBefore(expires);
    }
  }

  /** A manifest as the registry sent it. */
  public record Fetched(MediaType mediaType, byte[] bytes, Digest digest) {}

  public RegistryClient(HttpTransport transport, Keychain keychain, String userAgent, Log log, Duration retryBackoff) {
    this(transport, keychain, userAgent, log, retryBackoff, Clock.systemUTC(), TLS_PROBE_TIMEOUT);
  }

  /**
   * With the clock that decides when tokens expire (tests move it forward) and the time a TLS
   * probe of a maybe-plain registry may take (the JDK's test HTTP server never answers one).
   */
  RegistryClient(HttpTransport transport, Keychain keychain, String userAgent, Log log, Duration retryBackoff,
      Clock clock, Duration tlsProbeTimeout) {
    this.clock = clock;
    this.tlsProbeTimeout = tlsProbeTimeout;
    this.transport = transport;
    this.keychain = keychain;
    this.userAgent = userAgent;
    this.log = log;
    this.retryBackoff = retryBackoff;
  }

  // ---------------------------------------------------------------- pulling

  /** Fetches a manifest and, for an image, its config: the base image path. */
  public Artifact pull(Reference ref) throws IOException {
    Access access = Access.pull(ref.repository());
    Fetched fetched = getManifest(access, ref.repository(), ref.identifier());
    return artifact(access, ref.repository(), fetched);
  }

  Artifact artifact(Access access, Repository repo, Fetched fetched) throws IOException {
    MediaType mt = fetched.mediaType();
    if (mt.isIndex()) {
      return new RemoteIndex(this, access, repo, fetched);
    }
    if (mt.isImage()) {
      return RemoteImage.load(this, access, repo, fetched);
    }
    throw new IOException("unsupported manifest media type \"" + mt + "\" for " + repo.name() + "@" + fetched.digest());
  }

  public Fetched getManifest(Access access, Repository repo, String identifier) throws IOException {
    URI uri = url(repo, "/manifests/" + identifier);
    HttpResponse<byte[]> r =
        send(access, "GET", uri, Map.of("Accept", MediaType.acceptAllManifests()), null, BodyHandlers.ofByteArray(), Set.of(200));
    byte[] body = r.body();
    Digest digest = Digest.of(body);
    if (identifier.startsWith("sha256:") && !identifier.equals(digest.toString())) {
      throw new IOException("GET " + uri + ": manifest digest " + digest + " does not match the requested " + identifier);
    }
    String contentType = r.headers().firstValue("Content-Type").orElse("");
    return new Fetched(new MediaType(mediaTypeOf(contentType, body)), body, digest);
  }

  /** The descriptor of a manifest by tag or digest, or empty if the registry does not have it. */
  public Optional<Descriptor> headManifest(Access access, Repository repo, String identifier) throws IOException {
    URI uri = url(repo, "/manifests/" + identifier);
    HttpResponse<byte[]> r =
        send(access, "HEAD", uri, Map.of("Accept", MediaType.acceptAllManifests()), null, BodyHandlers.ofByteArray(), Set.of(200, 404));
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    Optional<String> digest = r.headers().firstValue("Docker-Content-Digest");
    if (digest.isEmpty()) {
      return Optional.empty();
    }
    long size = r.headers().firstValueAsLong("Content-Length").orElse(-1);
    String contentType = r.headers().firstValue("Content-Type").orElse("");
    return Optional.of(Descriptor.of(new MediaType(contentType), size, Digest.parse(digest.get())));
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

  /** Streams a blob, following a redirect to storage without our credentials. */
  public InputStream openBlob(Access access, Repository repo, Digest digest) throws IOException {
    URI uri = url(repo, "/blobs/" + digest);
    Set<Integer> ok = Set.of(200, 301, 302, 303, 307, 308);
    HttpResponse<InputStream> r = send(access, "GET", uri, Map.of(), null, BodyHandlers.ofInputStream(), ok);
    for (int hops = 0; REDIRECTS.contains(r.statusCode()); hops++) {
      r.body().close();
      if (hops == 5) {
        throw new IOException("GET " + uri + ": too many redirects");
      }
      URI next = uri.resolve(r.headers().firstValue("Location").orElseThrow(
          () -> new IOException("GET " + uri + ": redirect without Location")));
      r = sendOnce("GET", next, Map.of(), null, BodyHandlers.ofInputStream(), null);
      checkStatus("GET", next, r, ok);
    }
    return r.body();
  }

  // ---------------------------------------------------------------- pushing

  public boolean blobExists(Access access, Repository repo, Digest digest) throws IOException {
    HttpResponse<byte[]> r =
        send(access, "HEAD", url(repo, "/blobs/" + digest), Map.of(), null, BodyHandlers.ofByteArray(), Set.of(200, 404));
    return r.statusCode() == 200;
  }

  /**
   * Asks the registry to mount a blob from another repository. Returns empty when mounted, else the
   * upload location the registry opened instead.
   */
  public Optional<URI> mountBlob(Access access, Repository target, Digest digest, Repository from) throws IOException {
    URI uri = url(target, "/blobs/uploads/?mount=" + digest + "&from=" + encode(from.path()));
    HttpResponse<byte[]> r = send(access, "POST", uri, Map.of(), BodyPublishers::noBody, BodyHandlers.ofByteArray(), Set.of(201, 202));
    if (r.statusCode() == 201) {
      return Optional.empty();
    }
    return Optional.of(location(uri, r.headers()));
  }

  /** Starts an upload session; returns its location. */
  public URI startUpload(Access access, Repository target) throws IOException {
    URI uri = url(target, "/blobs/uploads/");
    HttpResponse<byte[]> r = send(access, "POST", uri, Map.of(), BodyPublishers::noBody, BodyHandlers.ofByteArray(), Set.of(202));
    return location(uri, r.headers());
  }

  /** Sends a whole blob to an upload location in one PUT. */
  public void finishUpload(Access access, URI location, Digest digest, long size, BlobSource source) throws IOException {
    String sep = location.getRawQuery() == null ? "?" : "&";
    URI uri = URI.create(location + sep + "digest=" + encode(digest.toString()));
    Supplier<BodyPublisher> body =
        () -> BodyPublishers.fromPublisher(BodyPublishers.ofInputStream(() -> {
          try {
            return source.open();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }), size);
    send(access, "PUT", uri, Map.of("Content-Type", "application/octet-stream"), body, BodyHandlers.ofByteArray(), Set.of(201));
  }

  /** Re-openable blob content. */
  @FunctionalInterface
  public interface BlobSource {
    InputStream open() throws IOException;
  }

  public void putManifest(Access access, Repository repo, String identifier, MediaType mediaType, byte[] bytes)
      throws IOException {
    send(access, "PUT", url(repo, "/manifests/" + identifier), Map.of("Content-Type", mediaType.value()),
        () -> BodyPublishers.ofByteArray(bytes), BodyHandlers.ofByteArray(), Set.of(200, 201, 202));
  }

  // ---------------------------------------------------------------- HTTP with auth and retries

  private <T> HttpResponse<T> send(
      Access access, String method, URI uri, Map<String, String> headers, Supplier<BodyPublisher> body,
      HttpResponse.BodyHandler<T> handler, Set<Integer> ok) throws IOException {
    boolean reauthenticated = false;
    for (int attempt = 1; ; attempt++) {
      String authorization = authorization(access);
      HttpResponse<T> r;
      try {
        r = sendOnce(method, uri, headers, body, handler, authorization);
      } catch (IOException e) {
        if (attempt < ATTEMPTS && isTemporary(e)) {
          log.debug("retrying " + method + " " + uri + " after " + describe(e));
          backoff(attempt);
          continue;
        }
        throw e;
      }
      int status = r.statusCode();
      if (status == 401 && !reauthenticated) {
        reauthenticated = true;
        discard(r);
        Challenge challenge = Challenge.parse(r.headers().firstValue("WWW-Authenticate").orElse(null)).orElse(Challenge.NONE);
        refresh(access, challenge);
        attempt--;
        continue;
      }
      if (!ok.contains(status) && attempt < ATTEMPTS && (status == 408 || status == 429 || status >= 500)) {
        discard(r);
        log.debug("retrying " + method + " " + uri + " after status " + status);
        backoff(attempt);
        continue;
      }
      if (status == 401 && !ok.contains(401)) {
        throw unauthorized(access.registry(), method, uri, r);
      }
      checkStatus(method, uri, r, ok);
      return r;
    }
  }

  /** A 401 that survived re-authentication, with what we know about why. */
  private RegistryException unauthorized(Registry registry, String method, URI uri, HttpResponse<?> r) throws IOException {
    List<RegistryException.Error> errors = parseErrors(readBody(r));
    Credential c = credential(registry);
    String why = c.isAnonymous()
        ? "no credentials found for " + registry + " (log in with: ko login " + registry + ")"
        : "the credentials for " + registry + " were refused";
    if (errors.isEmpty()) {
      errors = List.of(new RegistryException.Error("UNAUTHORIZED", "authentication required; " + why));
    } else {
      List<RegistryException.Error> withHint = new ArrayList<>(errors);
      RegistryException.Error last = withHint.remove(withHint.size() - 1);
      withHint.add(new RegistryException.Error(last.code(), last.message() + "; " + why));
      errors = withHint;
    }
    return new RegistryException(method, uri.toString(), 401, errors);
  }

  private <T> HttpResponse<T> sendOnce(
      String method, URI uri, Map<String, String> headers, Supplier<BodyPublisher> body,
      HttpResponse.BodyHandler<T> handler, String authorization) throws IOException {
    return sendOnce(method, uri, headers, body, handler, authorization, REQUEST_TIMEOUT);
  }

  private <T> HttpResponse<T> sendOnce(
      String method, URI uri, Map<String, String> headers, Supplier<BodyPublisher> body,
      HttpResponse.BodyHandler<T> handler, String authorization, Duration timeout) throws IOException {
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
    log.debug("--> " + method + " " + uri);
    try {
      HttpResponse<T> r = transport.client(uri).send(b.build(), handler);
      log.debug("<-- " + r.statusCode() + " " + method + " " + uri);
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(method + " " + uri + ": interrupted");
    } catch (UncheckedIOException e) {
      throw new IOException(method + " " + uri + ": " + describe(e.getCause()), e.getCause());
    } catch (IOException e) {
      throw new IOException(method + " " + uri + ": " + describe(e), e);
    } catch (IllegalArgumentException e) {
      throw new IOException(method + " " + uri + ": " + e.getMessage(), e);
    }
  }

  private static void checkStatus(String method, URI uri, HttpResponse<?> r, Set<Integer> ok) throws IOException {
    if (ok.contains(r.statusCode())) {
      return;
    }
    byte[] body = readBody(r);
    throw new RegistryException(method, uri.toString(), r.statusCode(), parseErrors(body));
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
      JsonNode root = MAPPER.readTree(body);
      if (root != null && root.path("errors").isArray()) {
        for (JsonNode e : root.path("errors")) {
          out.add(new RegistryException.Error(e.path("code").asText(""), e.path("message").asText("")));
        }
      }
    } catch (IOException e) {
      // Not JSON (a proxy's HTML page, say): the status code speaks for itself.
    }
    return out;
  }

  private static boolean isTemporary(IOException e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    // Refused connections, unknown hosts and TLS failures will not fix themselves in a second.
    return !(root instanceof ConnectException
        || root instanceof UnresolvedAddressException
        || root instanceof SSLException
        || root instanceof InterruptedIOException);
  }

  /** A short reason for an I/O failure; Java's own messages are often empty. */
  static String describe(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && (t.getMessage() == null || t instanceof UncheckedIOException)) {
      t = t.getCause();
    }
    if (e instanceof ConnectException || t instanceof ConnectException || t instanceof java.nio.channels.ClosedChannelException) {
      return "connection refused";
    }
    if (t instanceof UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
      return "no such host";
    }
    if (t instanceof HttpTimeoutException) {
      return "timed out";
    }
    if (isCertificateProblem(e)) {
      return "TLS certificate not trusted: " + certificateReason(e)
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

  // ---------------------------------------------------------------- authentication

  private String authorization(Access access) throws IOException {
    Challenge challenge = ping(access.registry()).challenge();
    if (challenge.isBasic()) {
      Credential c = credential(access.registry());
      return c.hasPassword() ? c.basicHeader() : null;
    }
    if (challenge.isBearer()) {
      CompletableFuture<Token> cached = tokens.get(access);
      if (cached != null && cached.isDone() && !cached.isCompletedExceptionally() && !cached.join().validAt(clock.instant())) {
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
      Access wider = challenge.param("scope").isEmpty() ? access : access.with(challenge.param("scope"));
      pings.put(access.registry().host(), CompletableFuture.completedFuture(new Ping(scheme, challenge)));
      tokens.put(access, CompletableFuture.completedFuture(fetchToken(wider, challenge)));
    } else if (challenge.isBasic()) {
      pings.put(access.registry().host(), CompletableFuture.completedFuture(new Ping(scheme, challenge)));
    }
  }

  /**
   * Pings a registry in the background so that connection, TLS and auth discovery are done by the
   * time requests need them. A failure is forgotten here and reported by the first real request.
   */
  public void warmUp(Registry registry, java.util.concurrent.Executor executor) {
    executor.execute(() -> {
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
    return Futures.once(pings, registry.host(), () -> {
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
    HttpResponse<byte[]> r = sendOnce("GET", uri, Map.of(), null, BodyHandlers.ofByteArray(), null, timeout);
    if (r.statusCode() == 401) {
      return new Ping(scheme, Challenge.parse(r.headers().firstValue("WWW-Authenticate").orElse(null)).orElse(Challenge.NONE));
    }
    if (r.statusCode() == 200) {
      return new Ping(scheme, Challenge.NONE);
    }
    throw new RegistryException("GET", uri.toString(), r.statusCode(), parseErrors(r.body()));
  }

  private static boolean isCertificateProblem(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.security.cert.CertificateException || t instanceof java.security.cert.CertPathValidatorException
          || t instanceof javax.net.ssl.SSLPeerUnverifiedException
          || t instanceof java.security.cert.CertPathBuilderException) {
        return true;
      }
    }
    return false;
  }

  private static String certificateReason(Throwable e) {
    String deepest = "";
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.security.cert.CertPathBuilderException) {
        return "certificate signed by unknown authority";
      }
      if (t instanceof java.security.cert.CertificateExpiredException) {
        return "certificate has expired";
      }
      if (t.getMessage() != null) {
        deepest = t.getMessage();
      }
    }
    return deepest;
  }

  /** The keychain's answer for a registry, asked once per run (a credential helper is a process). */
  private Credential credential(Registry registry) throws IOException {
    return Futures.once(credentials, registry.host(), () -> keychain.resolve(registry));
  }

  private Token fetchToken(Access access, Challenge challenge) throws IOException {
    Credential cred = credential(access.registry());
    if (!cred.registryToken().isEmpty()) {
      return new Token(cred.registryToken(), Instant.MAX);
    }
    String realm = challenge.param("realm");
    if (realm.isEmpty()) {
      throw new IOException("registry " + access.registry() + " asked for a Bearer token but named no realm");
    }
    String service = challenge.param("service");
    HttpResponse<byte[]> r;
    URI uri;
    String method;
    if (!cred.identityToken().isEmpty()) {
      method = "POST";
      uri = URI.create(realm);
      StringBuilder form = new StringBuilder("grant_type=refresh_token&client_id=ko")
          .append("&refresh_token=").append(encode(cred.identityToken()))
          .append("&service=").append(encode(service))
          .append("&scope=").append(encode(String.join(" ", access.scopes())));
      r = sendOnce(method, uri, Map.of("Content-Type", "application/x-www-form-urlencoded"),
          () -> BodyPublishers.ofString(form.toString()), BodyHandlers.ofByteArray(), null);
    } else {
      method = "GET";
      StringBuilder q = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?");
      q.append("service=").append(encode(service));
      for (String scope : access.scopes()) {
        q.append("&scope=").append(encode(scope));
      }
      uri = URI.create(q.toString());
      r = sendOnce(method, uri, Map.of(), null, BodyHandlers.ofByteArray(), cred.hasPassword() ? cred.basicHeader() : null);
    }
    checkStatus(method, stripQuery(uri), r, Set.of(200));
    JsonNode reply;
    try {
      reply = MAPPER.readTree(r.body());
    } catch (IOException e) {
      throw new IOException("token server " + stripQuery(uri) + " answered with something that is not JSON");
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

  private static URI stripQuery(URI uri) {
    return URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath());
  }

  // ---------------------------------------------------------------- helpers

  private URI url(Repository repo, String suffix) throws IOException {
    Registry registry = repo.registry();
    return URI.create(ping(registry).scheme() + "://" + registry.host() + "/v2/" + repo.path() + suffix);
  }

  private static URI location(URI request, HttpHeaders headers) throws IOException {
    String loc = headers.firstValue("Location").orElseThrow(
        () -> new IOException("POST " + request + ": registry sent no upload Location"));
    return request.resolve(loc);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** The media type from a Content-Type header (parameters dropped), else from the document. */
  static String mediaTypeOf(String contentType, byte[] body) {
    String ct = contentType;
    int semi = ct.indexOf(';');
    if (semi >= 0) {
      ct = ct.substring(0, semi);
    }
    ct = ct.strip();
    if (!ct.isEmpty() && !ct.equals("application/json") && !ct.equals("text/plain")) {
      return ct;
    }
    try {
      JsonNode n = MAPPER.readTree(body);
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
}
