package dev.ko.oci;

import dev.ko.name.Repository;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/** A filesystem layer: its compressed blob and what identifies it. */
public interface Layer {
  /** Digest of the compressed blob. */
  Digest digest();

  /** Digest of the uncompressed tar. */
  Digest diffId();

  /** Size of the compressed blob in bytes. */
  long size();

  MediaType mediaType();

  /** Opens the compressed blob; each call gives a fresh stream. */
  InputStream compressed() throws IOException;

  /**
   * A repository that already holds this blob, from which a registry can mount it instead of
   * receiving it again (base image layers).
   */
  default Optional<Repository> source() {
    return Optional.empty();
  }

  default Descriptor descriptor() {
    return Descriptor.of(mediaType(), size(), digest());
  }
}
