package dev.ko.oci;

import java.util.List;

/**
 * Something a registry stores under a manifest: an {@link Image} or an {@link ImageIndex}. Its
 * identity is the exact manifest bytes; media type, digest and size are derived from them. Its
 * {@link #attachments()} (SBOMs today) describe this very manifest, so they travel with the value
 * and are stored by publishers that keep them.
 */
public sealed interface Artifact permits Image, ImageIndex {
  /** The manifest exactly as stored. */
  Content<?> manifestContent();

  /** Files attached to this manifest, at most one per name; none unless attached. */
  List<Attachment> attachments();

  /** This artifact, byte for byte, with {@code attachments} in place of its own. */
  Artifact withAttachments(List<Attachment> attachments);

  /** This artifact with {@code attachment} added, in place of any of the same name. */
  default Artifact withAttachment(Attachment attachment) {
    return withAttachments(Attachment.adding(attachments(), attachment));
  }

  default MediaType mediaType() {
    return manifestContent().mediaType();
  }

  /** A copy of the exact manifest bytes; the digest is their sha256. */
  default byte[] rawManifest() {
    return manifestContent().bytes();
  }

  default Digest digest() {
    return manifestContent().digest();
  }

  default long size() {
    return manifestContent().size();
  }
}
