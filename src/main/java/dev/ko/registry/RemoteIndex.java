package dev.ko.registry;

import dev.ko.concurrent.Futures;
import dev.ko.name.Repository;
import dev.ko.oci.Artifact;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.IndexManifest;
import dev.ko.oci.MediaType;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * An index in a registry; each child (manifest and, for an image, config) is fetched by digest the
 * first time it is asked for, once however many builds and pushes ask.
 */
public final class RemoteIndex implements ImageIndex {
  private final RegistryClient client;
  private final Access access;
  private final Repository repository;
  private final RegistryClient.Fetched fetched;
  private final IndexManifest index;
  private final ConcurrentMap<Digest, CompletableFuture<Artifact>> children =
      new ConcurrentHashMap<>();

  /**
   * @throws IllegalArgumentException when the manifest is not a valid index
   */
  RemoteIndex(
      RegistryClient client, Access access, Repository repository, RegistryClient.Fetched fetched) {
    this.client = client;
    this.access = access;
    this.repository = repository;
    this.fetched = fetched;
    this.index = IndexManifest.parse(fetched.bytes(), fetched.mediaType());
  }

  @Override
  public MediaType mediaType() {
    return fetched.mediaType();
  }

  @Override
  public byte[] rawManifest() {
    return fetched.bytes();
  }

  @Override
  public Digest digest() {
    return fetched.digest();
  }

  @Override
  public IndexManifest indexManifest() {
    return index;
  }

  @Override
  public Artifact child(Descriptor descriptor) throws IOException {
    return Futures.once(
        children,
        descriptor.digest(),
        () -> {
          RegistryClient.Fetched child =
              client.getManifest(access, repository, descriptor.digest().toString());
          return client.artifact(access, repository, child);
        });
  }
}
