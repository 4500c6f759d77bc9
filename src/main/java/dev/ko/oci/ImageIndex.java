package dev.ko.oci;

import java.io.IOException;

/** A multi-platform index (OCI image index or Docker manifest list). */
public non-sealed interface ImageIndex extends Artifact {
  IndexManifest indexManifest();

  /** The child with the given digest, fetched if necessary. */
  Artifact child(Descriptor descriptor) throws IOException;
}
