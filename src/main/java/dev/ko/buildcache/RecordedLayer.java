package dev.ko.buildcache;

import dev.ko.name.Repository;
import dev.ko.oci.Digest;
import dev.ko.oci.Layer;
import dev.ko.oci.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * A freshly built layer once it is recorded in the cache repository: the same bytes, read where
 * they are, but mountable from the cache repository, so that a target on the same registry gets it
 * by a mount instead of a second upload.
 */
record RecordedLayer(Layer layer, Repository cache) implements Layer {
  @Override
  public Digest digest() {
    return layer.digest();
  }

  @Override
  public Digest diffId() {
    return layer.diffId();
  }

  @Override
  public long size() {
    return layer.size();
  }

  @Override
  public MediaType mediaType() {
    return layer.mediaType();
  }

  @Override
  public InputStream compressed() throws IOException {
    return layer.compressed();
  }

  @Override
  public Optional<Repository> source() {
    return Optional.of(cache);
  }
}
