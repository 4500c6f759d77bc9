package dev.ko.registry;

import dev.ko.log.Log;
import dev.ko.name.Reference;
import dev.ko.name.Registry;
import dev.ko.name.Repository;
import dev.ko.oci.Artifact;
import dev.ko.oci.Content;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.MediaType;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * A client for the OCI distribution API: the endpoints (manifests, blobs, uploads, mounts) on top
 * of the registry transport, which pings, authenticates, retries, follows redirects and logs (see
 * {@link Transport}). The operation determines the token scopes: {@link #pull} pulls, a {@link
 * #pusher} pushes to one repository and pulls from its mount sources. Thread-safe: pings,
 * credentials and tokens are cached per registry, repository and scopes, so parallel uploads share
 * one token.
 *
 * <p>Credentials go to the registry only: a request to any other host or scheme (an upload location
 * or redirect to storage, an HTTPS registry's http:// location) is sent without them, its URL is
 * shown without its query (presigned storage URLs carry their signature there), and it may not lead
 * into a loopback, link-local or private network unless the registry is in one.
 */
public final class RegistryClient {
  /** Manifests and uploads: a redirect is an answer. */
  private final Transport transport;

  /** Blob downloads: redirects to storage are followed. */
  private final Transport following;

  private final PingTransport pings;
  private final BlobUploads uploads;
  private final RetryPolicy retry;
  private final ContentCache cache;
  private final Log log;

  /** A manifest as the registry sent it, under the media type it said (or the document says). */
  @SuppressWarnings("ArrayRecordComponent") // handed straight to Content, which copies it
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

  /**
   * What a client is given besides its HTTP engine, credentials and log.
   *
   * @param network how long temporary failures are retried, and how long a silent registry is
   *     waited for
   * @param cacheDirectory where pulled manifests and configs are kept by digest (a base pinned by
   *     digest is then never fetched again, and one named by a tag costs one {@code HEAD}), and
   *     which local registries answered over plain HTTP only; empty keeps nothing
   * @param tokens where Bearer tokens are kept: a run's own, or the build server's, which its
   *     requests share while the tokens are valid (each request's own credentials still choose
   *     which)
   */
  public record Options(
      String userAgent, NetworkSettings network, Optional<Path> cacheDirectory, TokenCache tokens) {
    /** Nothing kept on disk, tokens kept for this client alone. */
    public static Options of(String userAgent, NetworkSettings network) {
      return new Options(userAgent, network, Optional.empty(), new TokenCache());
    }

    /** The same, keeping what {@code cacheDirectory} and {@code tokens} hold. */
    public Options keeping(Path cacheDirectory, TokenCache tokens) {
      return new Options(userAgent, network, Optional.of(cacheDirectory), tokens);
    }
  }

  /**
   * What tests replace: the clock that decides when tokens expire (tests move it forward), the time
   * a TLS probe of a maybe-plain registry may take (the JDK's test HTTP server never answers one)
   * and the name resolution that decides which hosts are internal (tests make a loopback stub look
   * public).
   */
  record Internals(Clock clock, Duration tlsProbeTimeout, InternalHosts.Resolver resolver) {
    static final Internals DEFAULT =
        new Internals(Clock.systemUTC(), PingTransport.TLS_PROBE_TIMEOUT, InternalHosts.DNS);
  }

  public RegistryClient(HttpTransport transport, Keychain keychain, Log log, Options options) {
    this(transport, keychain, log, options, Internals.DEFAULT);
  }

  RegistryClient(
      HttpTransport transport, Keychain keychain, Log log, Options options, Internals internals) {
    NetworkSettings network = options.network();
    RetryPolicy retry = RetryPolicy.of(network.retryBudget(), network.firstRetryWait());
    ContentCache cache = options.cacheDirectory().map(ContentCache::new).orElse(ContentCache.NONE);
    this.log = log;
    this.cache = cache;
    this.retry = retry;
    Locations locations = new Locations(new InternalHosts(internals.resolver()));
    // Bottom to top. Every idempotent request is retried on its own, pings and token requests
    // included; the TLS probe of a registry that may speak plain HTTP is not (it is expected to
    // fail). Upload sequences and manifest PUTs are retried whole, by their callers.
    Transport exchange =
        transport.engine() == HttpTransport.Engine.URL_CONNECTION
            ? new UrlConnectionTransport(transport, options.userAgent(), network.silence())
            : new JdkTransport(transport, options.userAgent(), network.silence());
    Transport wire = new LoggingTransport(exchange, log);
    Transport retrying = new RetryTransport(wire, retry, log);
    this.pings =
        new PingTransport(
            new AuthTransport(retrying, keychain, internals.clock(), options.tokens()),
            retrying,
            wire,
            internals.tlsProbeTimeout(),
            cache);
    this.transport = pings;
    this.following = new RedirectTransport(pings, locations);
    this.uploads = new BlobUploads(pings, locations, retry, log);
  }

  /**
   * Whether an earlier run found {@code registry} answering over plain HTTP only, in the cache
   * under {@code cacheDirectory} (see {@link PingTransport}): for start-up choices that cannot wait
   * for a ping.
   */
  public static boolean remembersPlainHttp(Path cacheDirectory, Registry registry) {
    return new ContentCache(cacheDirectory).speaksPlainHttp(registry);
  }

  /**
   * Fetches a manifest and, for an image, its config: the base image path. With a cache, a tag is
   * resolved with a {@code HEAD} and what it names is read from the cache when it is there.
   */
  public Artifact pull(Reference ref) throws IOException {
    Access access = Access.pull(ref.repository());
    String identifier = ref.identifier();
    if (cache.enabled() && !identifier.startsWith("sha256:")) {
      identifier = resolveTag(access, ref.repository(), identifier).orElse(identifier);
    }
    Fetched fetched = getManifest(access, ref.repository(), identifier);
    return artifact(access, ref.repository(), fetched);
  }

  /**
   * The manifest under a tag or digest of {@code repo} as the registry sends it (pull access), or
   * empty when it has none (404).
   */
  public Optional<Fetched> findManifest(Repository repo, String identifier) throws IOException {
    return findManifest(Access.pull(repo), repo, identifier);
  }

  /** A whole blob of {@code repo} in memory (pull access), its digest verified. */
  public byte[] blob(Repository repo, Digest digest) throws IOException {
    return getBlob(Access.pull(repo), repo, digest);
  }

  /**
   * The referrers of {@code subject} in {@code repo} from the OCI 1.1 referrers API ({@code GET
   * /v2/<name>/referrers/<digest>}), as the image index the registry sends; empty when the registry
   * has no such API (404).
   */
  public Optional<Fetched> referrers(Repository repo, Digest subject) throws IOException {
    Request request =
        request(Access.pull(repo), "GET", repo, "/referrers/" + subject)
            .withHeader("Accept", MediaType.OCI_INDEX.value());
    HttpResponse<byte[]> r = send(transport, request, BodyHandlers.ofByteArray(), Set.of(200, 404));
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    String contentType = r.headers().firstValue("Content-Type").orElse("");
    return Optional.of(
        new Fetched(new MediaType(ContentTypes.mediaTypeOf(contentType, r.body())), r.body()));
  }

  /**
   * The digest a tag names now, when the cache has that manifest; else empty, and the tag is
   * fetched as it is. A registry that does not answer {@code HEAD} well is simply asked again.
   */
  private Optional<String> resolveTag(Access access, Repository repo, String tag)
      throws IOException {
    Optional<Descriptor> head;
    try {
      head = headManifest(access, repo, tag);
    } catch (RegistryException e) {
      log.debug("HEAD of " + repo + ":" + tag + " failed, fetching it: " + e.getMessage());
      return Optional.empty();
    }
    return head.map(Descriptor::digest)
        .filter(d -> cache.manifest(d).isPresent())
        .map(Digest::toString);
  }

  /**
   * Pushing to {@code target}, with blobs mounted from {@code mountSources} where they are on the
   * same registry: one token for all of it.
   */
  public Pusher pusher(Repository target, List<Repository> mountSources) {
    return new Pusher(this, Access.push(target, mountSources));
  }

  /**
   * Pings a registry in the background so that connection, TLS and auth discovery are done by the
   * time requests need them. A failure is forgotten here and reported by the first real request.
   */
  public void warmUp(Registry registry, Executor executor) {
    executor.execute(
        () -> {
          try {
            pings.ping(registry);
          } catch (IOException | RuntimeException e) {
            log.debug("warming up " + registry + ": " + e.getMessage());
          }
        });
  }

  // ---------------------------------------------------------------- pulling

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

  Fetched getManifest(Access access, Repository repo, String identifier) throws IOException {
    if (identifier.startsWith("sha256:")) {
      Optional<Fetched> cached = cache.manifest(Digest.parse(identifier));
      if (cached.isPresent()) {
        log.debug("manifest " + repo + "@" + identifier + " from the cache");
        return cached.get();
      }
    }
    Request request =
        request(access, "GET", repo, "/manifests/" + identifier)
            .withHeader("Accept", MediaType.acceptAllManifests());
    HttpResponse<byte[]> r = send(transport, request, BodyHandlers.ofByteArray(), Set.of(200));
    byte[] body = r.body();
    Digest digest = Digest.of(body);
    if (identifier.startsWith("sha256:") && !identifier.equals(digest.toString())) {
      throw new IOException(
          "GET "
              + r.uri()
              + ": manifest digest "
              + digest
              + " does not match the requested "
              + identifier);
    }
    String contentType = r.headers().firstValue("Content-Type").orElse("");
    Fetched fetched = new Fetched(new MediaType(ContentTypes.mediaTypeOf(contentType, body)), body);
    cache.putManifest(fetched);
    return fetched;
  }

  /** See {@link Pusher#findManifest}. */
  Optional<Fetched> findManifest(Access access, Repository repo, String identifier)
      throws IOException {
    try {
      return Optional.of(getManifest(access, repo, identifier));
    } catch (RegistryException e) {
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** See {@link Pusher#headManifest}. */
  Optional<Descriptor> headManifest(Access access, Repository repo, String identifier)
      throws IOException {
    return headManifest(manifestHead(access, repo, identifier));
  }

  private static Request manifestHead(Access access, Repository repo, String identifier) {
    return request(access, "HEAD", repo, "/manifests/" + identifier)
        .withHeader("Accept", MediaType.acceptAllManifests());
  }

  private Optional<Descriptor> headManifest(Request request) throws IOException {
    HttpResponse<byte[]> r = send(transport, request, BodyHandlers.ofByteArray(), Set.of(200, 404));
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
          "HEAD " + r.uri() + ": ignoring Docker-Content-Digest " + header.get() + " (not sha256)");
      return Optional.empty();
    }
    long size = r.headers().firstValueAsLong("Content-Length").orElse(-1);
    String contentType =
        ContentTypes.withoutParameters(r.headers().firstValue("Content-Type").orElse(""));
    return Optional.of(Descriptor.of(new MediaType(contentType), size, digest));
  }

  /** A whole blob in memory (configs); its digest is verified. */
  byte[] getBlob(Access access, Repository repo, Digest digest) throws IOException {
    Optional<byte[]> cached = cache.blob(digest);
    if (cached.isPresent()) {
      return cached.get();
    }
    // Read whole before the transport returns, so a reply cut off is fetched again.
    Request request = request(access, "GET", repo, "/blobs/" + digest);
    byte[] bytes = send(following, request, BodyHandlers.ofByteArray(), Set.of(200)).body();
    if (!Digest.of(bytes).equals(digest)) {
      throw new IOException("blob " + repo.name() + "@" + digest + " does not match its digest");
    }
    cache.putBlob(digest, bytes);
    return bytes;
  }

  /**
   * Streams a blob, following a redirect to storage. A failure while reading names the request and
   * its cause; it is not resumed (the caller reads the stream again from the start).
   */
  InputStream openBlob(Access access, Repository repo, Digest digest) throws IOException {
    Request request = request(access, "GET", repo, "/blobs/" + digest);
    HttpResponse<InputStream> r =
        send(following, request, BodyHandlers.ofInputStream(), Set.of(200));
    String shown = "GET " + Urls.shown(repo.registry(), r.uri());
    return new FilterInputStream(r.body()) {
      @Override
      public int read() throws IOException {
        try {
          return super.read();
        } catch (IOException e) {
          throw named(e);
        }
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        try {
          return super.read(b, off, len);
        } catch (IOException e) {
          throw named(e);
        }
      }

      private IOException named(IOException e) {
        return new IOException(shown + ": " + Failures.describe(e), e);
      }
    };
  }

  // ---------------------------------------------------------------- pushing

  /** See {@link Pusher#blobExists}. */
  boolean blobExists(Access access, Repository repo, Digest digest) throws IOException {
    Set<Integer> ok = new HashSet<>(RedirectTransport.STATUSES);
    ok.addAll(Set.of(200, 404));
    Request request = request(access, "HEAD", repo, "/blobs/" + digest);
    return send(transport, request, BodyHandlers.ofByteArray(), ok).statusCode() != 404;
  }

  /** See {@link Pusher#uploadBlob}. */
  Upload uploadBlob(
      Access access,
      Repository repo,
      Digest digest,
      long size,
      BlobSource source,
      Optional<Repository> mountFrom)
      throws IOException {
    return uploads.upload(access, repo, digest, size, source, mountFrom);
  }

  /** See {@link Pusher#streamBlob}. */
  void streamBlob(
      Access access, Repository repo, InputStream body, java.util.function.Supplier<Digest> digest)
      throws IOException {
    uploads.stream(access, repo, body, digest);
  }

  /**
   * See {@link Pusher#putManifest}. Tried again as a sequence after a temporary failure: first a
   * {@code HEAD} asks whether the registry has the manifest under {@code identifier} after all (a
   * reply may be lost after the registry stored it), which is success; else the PUT is sent again.
   *
   * @return the registry's {@code OCI-Subject} header, which a registry with the referrers API
   *     sends for a manifest with a {@code subject}; empty when it sent none (or when only the
   *     {@code HEAD} after a lost reply showed that the manifest is there)
   */
  Optional<String> putManifest(
      Access access, Repository repo, String identifier, MediaType mediaType, byte[] bytes)
      throws IOException {
    Request request =
        request(access, "PUT", repo, "/manifests/" + identifier)
            .withHeader("Content-Type", mediaType.value())
            .withBody(bytes)
            .once();
    Digest expected = Digest.of(bytes);
    String what =
        "pushing manifest " + repo + (identifier.startsWith("sha256:") ? "@" : ":") + identifier;
    RetryPolicy.Schedule schedule = retry.schedule();
    while (true) {
      try {
        HttpResponse<byte[]> r =
            send(transport, request, BodyHandlers.ofByteArray(), Set.of(200, 201, 202));
        return r.headers().firstValue("OCI-Subject").map(String::strip);
      } catch (IOException e) {
        if (!Failures.isTemporary(e)) {
          throw e;
        }
        if (holds(access, repo, identifier, expected)) {
          log.debug(what + ": the registry has it after: " + e.getMessage());
          return Optional.empty();
        }
        schedule.retry(what, e, log);
      }
    }
  }

  /** Whether the registry names {@code expected} by {@code identifier}; a failure is a no. */
  private boolean holds(Access access, Repository repo, String identifier, Digest expected) {
    try {
      return headManifest(manifestHead(access, repo, identifier).once())
          .map(d -> d.digest().equals(expected))
          .orElse(false);
    } catch (IOException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- helpers

  /** A request for an endpoint of the repository, on the registry with the scheme it was pinged. */
  static Request request(Access access, String method, Repository repo, String suffix) {
    URI onRegistry = URI.create("/v2/" + repo.path() + suffix);
    return Request.of(repo.registry(), method, onRegistry).withAccess(access);
  }

  /** Sends a request; a status other than {@code ok} is a {@link RegistryException}. */
  static <T> HttpResponse<T> send(
      Transport via, Request request, HttpResponse.BodyHandler<T> handler, Set<Integer> ok)
      throws IOException {
    HttpResponse<T> r = via.send(request, handler);
    Responses.check(request.method(), Urls.shown(request.registry(), r.uri()), r, ok);
    return r;
  }
}
