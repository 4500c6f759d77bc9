package dev.ko.registry;

import dev.ko.name.Repository;
import dev.ko.oci.Artifact;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.IndexManifest;
import dev.ko.oci.MediaType;
import java.io.IOException;

/** An index in a registry; children are fetched by digest when asked for. */
public final class RemoteIndex implements ImageIndex {
  private final RegistryClient client;
  private final Access access;
  private final Repository repository;
  private final RegistryClient.Fetched fetched;
  private final IndexManifest index;

  RemoteIndex(RegistryClient client, Access access, Repository repository, RegistryClient.Fetched fetched)
      throws IOException {
    this.client = client;
    this.access = access;
    this.repository = repository;
    this.fetched = fetched;
    try {
      this.index = IndexManifest.parse(fetched.bytes(), fetched.mediaType());
    } catch (IllegalArgumentException e) {
      throw new IOException(repository.name() + "@" + fetched.digest() + ": " + e.getMessage(), e);
    }
  }

  public Repository repository() {
    return repository;
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
    RegistryClient.Fetched child = client.getManifest(access, repository, descriptor.digest().toString());
    return client.artifact(access, repository, child);
  }
}
