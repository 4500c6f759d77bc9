package dev.ko.registry;

import dev.ko.log.Log;
import dev.ko.name.Registry;
import dev.ko.name.Repository;
import dev.ko.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The blob upload sequence: a mount, or a new upload session and one PUT of the whole blob, tried
 * again as a whole after a temporary failure.
 */
final class BlobUploads {
  /** How many refused upload sessions one upload replaces before it gives up. */
  static final int MAX_SESSION_RENEWALS = 3;

  private final Transport transport;
  private final Locations locations;
  private final RetryPolicy retry;
  private final Log log;

  /**
   * @param transport where the requests go; they are not idempotent, so it sends each once
   * @param locations checks the upload locations the registry hands out
   * @param retry how long the whole sequence is tried
   */
  BlobUploads(Transport transport, Locations locations, RetryPolicy retry, Log log) {
    this.transport = transport;
    this.locations = locations;
    this.retry = retry;
    this.log = log;
  }

  /**
   * Puts a blob into {@code repo}: mounted from {@code mountFrom} when given and the registry
   * agrees, else sent in one PUT to a new upload session. On a temporary failure the whole sequence
   * is repeated, so a retry never goes to an upload session that may have died with the failure,
   * unless a {@code HEAD} finds the blob there after all; the single requests do not retry on their
   * own. Each sending opens {@code source} anew, and {@link JdkTransport} closes that stream when
   * the exchange ends, read to the end or not.
   */
  RegistryClient.Upload upload(
      Access access,
      Repository repo,
      Digest digest,
      long size,
      RegistryClient.BlobSource source,
      Optional<Repository> mountFrom)
      throws IOException {
    RetryPolicy.Schedule schedule = retry.fromFirstFailure();
    String what = "uploading " + digest + " to " + repo;
    int sessionsRenewed = 0;
    while (true) {
      try {
        Optional<URI> location =
            mountFrom.isPresent()
                ? mountBlob(access, repo, digest, mountFrom.get())
                : Optional.of(startUpload(access, repo));
        if (location.isEmpty()) {
          return RegistryClient.Upload.MOUNTED;
        }
        try {
          putBlob(access, repo.registry(), location.get(), digest, size, source);
        } catch (RegistryException e) {
          if (sessionsRenewed == MAX_SESSION_RENEWALS || !isDeadSession(e)) {
            throw e;
          }
          // The session the POST named is not one the registry knows: its reply may have been
          // cut inside the Location header, which HttpURLConnection takes for a whole one. A few
          // times from a new session; then the answer is the registry's word.
          sessionsRenewed++;
          log.debug(what + ": a new upload session after: " + e.getMessage());
          continue;
        }
        return RegistryClient.Upload.PUSHED;
      } catch (IOException e) {
        if (!Failures.isTemporary(e)) {
          throw e;
        }
        if (exists(access, repo, digest)) {
          log.debug(what + ": the registry has it after: " + e.getMessage());
          return RegistryClient.Upload.PUSHED;
        }
        schedule.retry(what, e, log);
      }
    }
  }

  /**
   * See {@link Pusher#streamBlob}: POST, one chunked PATCH of {@code body}, PUT of the digest; each
   * sent once. A failure deletes the session (best effort) and is thrown.
   */
  void stream(Access access, Repository repo, InputStream body, Supplier<Digest> digest)
      throws IOException {
    URI session = startUpload(access, repo);
    URI location = session;
    try {
      AtomicBoolean opened = new AtomicBoolean();
      RegistryClient.BlobSource once =
          () -> {
            if (!opened.compareAndSet(false, true)) {
              throw new IOException("a streamed blob can be sent only once");
            }
            return body;
          };
      Request patch =
          Request.of(repo.registry(), "PATCH", location)
              .withAccess(access)
              .withHeader("Content-Type", "application/octet-stream")
              .withBody(new Request.Streamed(once, -1))
              .once();
      HttpResponse<byte[]> r =
          RegistryClient.send(transport, patch, BodyHandlers.ofByteArray(), Set.of(202));
      location = locations.target(repo.registry(), "PATCH", r.uri(), r.headers());
      Digest d = digest.get();
      String sep = location.getRawQuery() == null ? "?" : "&";
      URI uri = URI.create(location + sep + "digest=" + encode(d.toString()));
      Request put = Request.of(repo.registry(), "PUT", uri).withAccess(access).once();
      RegistryClient.send(transport, put, BodyHandlers.ofByteArray(), Set.of(201));
    } catch (IOException | RuntimeException e) {
      delete(access, repo.registry(), location);
      throw e;
    }
  }

  /** Ends an upload session that will not be finished; a failure is only logged. */
  private void delete(Access access, Registry registry, URI location) {
    try {
      Request request = Request.of(registry, "DELETE", location).withAccess(access).once();
      transport.send(request, BodyHandlers.discarding());
    } catch (IOException | RuntimeException e) {
      log.debug("deleting upload session: " + e.getMessage());
    }
  }

  /**
   * Whether the blob is in the repository after all (a reply lost after the registry stored it); a
   * failure is a no.
   */
  private boolean exists(Access access, Repository repo, Digest digest) {
    try {
      Request request = RegistryClient.request(access, "HEAD", repo, "/blobs/" + digest).once();
      return transport.send(request, BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * An upload session the registry does not know (any more), or whose state it refuses. Any 404 to
   * an upload location counts: the distribution spec's word for it is "the upload is unknown ...
   * and must be restarted", and its error body may be the part of the reply that was lost.
   */
  private static boolean isDeadSession(RegistryException e) {
    return e.status() == 404
        || (e.status() == 400
            && e.errors().stream().anyMatch(x -> x.code().equals("BLOB_UPLOAD_INVALID")));
  }

  /** Asks the registry to mount a blob; empty when mounted, else the upload it opened instead. */
  private Optional<URI> mountBlob(Access access, Repository target, Digest digest, Repository from)
      throws IOException {
    String query = "?mount=" + digest + "&from=" + encode(from.path());
    Request request = RegistryClient.request(access, "POST", target, "/blobs/uploads/" + query);
    HttpResponse<byte[]> r =
        RegistryClient.send(transport, request, BodyHandlers.ofByteArray(), Set.of(201, 202));
    if (r.statusCode() == 201) {
      return Optional.empty();
    }
    return Optional.of(locations.target(target.registry(), "POST", r.uri(), r.headers()));
  }

  /** Starts an upload session; returns its location. */
  private URI startUpload(Access access, Repository target) throws IOException {
    Request request = RegistryClient.request(access, "POST", target, "/blobs/uploads/");
    HttpResponse<byte[]> r =
        RegistryClient.send(transport, request, BodyHandlers.ofByteArray(), Set.of(202));
    return locations.target(target.registry(), "POST", r.uri(), r.headers());
  }

  /** Sends a whole blob to an upload location in one PUT. */
  private void putBlob(
      Access access,
      Registry registry,
      URI location,
      Digest digest,
      long size,
      RegistryClient.BlobSource source)
      throws IOException {
    String sep = location.getRawQuery() == null ? "?" : "&";
    URI uri = URI.create(location + sep + "digest=" + encode(digest.toString()));
    Request request =
        Request.of(registry, "PUT", uri)
            .withAccess(access)
            .withHeader("Content-Type", "application/octet-stream")
            .withBody(new Request.Streamed(source, size));
    RegistryClient.send(transport, request, BodyHandlers.ofByteArray(), Set.of(201));
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
