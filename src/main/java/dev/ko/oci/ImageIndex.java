package dev.ko.oci;

import java.io.IOException;
import java.util.List;

/**
 * A multi-platform index (OCI image index or Docker manifest list). Its children are artifacts of
 * their own, each with its own attachments.
 */
public non-sealed interface ImageIndex extends Artifact {
  @Override
  Content<IndexManifest> manifestContent();

  /** The child with the given digest, fetched if necessary. */
  Artifact child(Descriptor descriptor) throws IOException;

  @Override
  ImageIndex withAttachments(List<Attachment> attachments);

  /** This index with {@code attachment} added, in place of any of the same name. */
  @Override
  default ImageIndex withAttachment(Attachment attachment) {
    return withAttachments(Attachment.adding(attachments(), attachment));
  }

  default IndexManifest indexManifest() {
    return manifestContent().parsed();
  }
}
