package dev.ko.registry;

import dev.ko.name.Repository;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.Layer;
import dev.ko.oci.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * A layer of a remote image; its bytes are streamed from the registry only when a push needs them.
 */
record RemoteLayer(
    RegistryClient client,
    Access access,
    Repository repository,
    Descriptor descriptor,
    Digest diffIdOrNull)
    implements Layer {

  @Override
  public Digest digest() {
    return descriptor.digest();
  }

  @Override
  public Digest diffId() {
    if (diffIdOrNull == null) {
      throw new IllegalStateException(
          "the config of " + repository.name() + " lists fewer diff_ids than layers");
    }
    return diffIdOrNull;
  }

  @Override
  public long size() {
    return descriptor.size();
  }

  @Override
  public MediaType mediaType() {
    return descriptor.mediaType();
  }

  @Override
  public InputStream compressed() throws IOException {
    return client.openBlob(access, repository, descriptor.digest());
  }

  @Override
  public Optional<Repository> source() {
    return Optional.of(repository);
  }
}
