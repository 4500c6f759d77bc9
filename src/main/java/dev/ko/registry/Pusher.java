package dev.ko.registry;

import dev.ko.name.Repository;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Pushing to one repository, from {@link RegistryClient#pusher}: every request asks for the same
 * scopes (push on the target, pull on the repositories blobs will be mounted from), so one Bearer
 * token serves them all while it is valid. Thread-safe.
 */
public final class Pusher {
  private final RegistryClient client;
  private final Access access;

  Pusher(RegistryClient client, Access access) {
    this.client = client;
    this.access = access;
  }

  /** The repository pushed to. */
  public Repository target() {
    return access.repository();
  }

  /**
   * Whether the repository has the blob. A redirect (registries that keep blobs in S3 or GCS
   * redirect HEAD too) says it has: the registry knows where the bytes are.
   */
  public boolean blobExists(Digest digest) throws IOException {
    return client.blobExists(access, target(), digest);
  }

  /**
   * Puts a blob into the repository: mounted from {@code mountFrom} (one of the mount sources) when
   * given and the registry agrees, else sent in one PUT to a new upload session; a temporary
   * failure repeats the whole sequence. Every stream opened from {@code source} is closed after
   * each attempt.
   */
  public RegistryClient.Upload uploadBlob(
      Digest digest, long size, RegistryClient.BlobSource source, Optional<Repository> mountFrom)
      throws IOException {
    return client.uploadBlob(access, target(), digest, size, source, mountFrom);
  }

  /**
   * Streams a blob that is still being produced into the repository: a new upload session, one
   * chunked {@code PATCH} of {@code body} as it is read, then a {@code PUT} of {@code digest}
   * (asked for once the body has ended). Sent once, never retried; on any failure the session is
   * deleted (best effort) and the failure thrown, so the caller can upload the blob the usual way.
   */
  public void streamBlob(InputStream body, Supplier<Digest> digest) throws IOException {
    client.streamBlob(access, target(), body, digest);
  }

  /**
   * The descriptor of a manifest by tag or digest, or empty if the registry does not have it or
   * does not say which digest it has (then it is simply pushed again).
   */
  public Optional<Descriptor> headManifest(String identifier) throws IOException {
    return client.headManifest(access, target(), identifier);
  }

  /** Puts a manifest under a tag or its digest. */
  public void putManifest(String identifier, MediaType mediaType, byte[] bytes) throws IOException {
    client.putManifest(access, target(), identifier, mediaType, bytes);
  }

  /**
   * Puts a manifest that has a {@code subject} (an OCI 1.1 referrer) under its digest.
   *
   * @return the subject digest the registry named in its {@code OCI-Subject} answer, which says it
   *     has the referrers API and lists the manifest there; empty if it said nothing (then the
   *     client keeps the referrers tag itself)
   */
  public Optional<String> putReferrer(Digest digest, MediaType mediaType, byte[] bytes)
      throws IOException {
    return client.putManifest(access, target(), digest.toString(), mediaType, bytes);
  }

  /** The manifest under a tag or digest as the registry sends it, or empty if it has none (404). */
  public Optional<RegistryClient.Fetched> findManifest(String identifier) throws IOException {
    return client.findManifest(access, target(), identifier);
  }
}
