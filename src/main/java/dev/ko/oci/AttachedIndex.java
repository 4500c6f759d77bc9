package dev.ko.oci;

import java.io.IOException;
import java.util.List;

/**
 * An index together with its own attachments; as an index it is exactly {@code index} (its children
 * may carry attachments of their own).
 */
public record AttachedIndex(ImageIndex index, List<Attachment> attachments)
    implements ImageIndex, Attached {
  public AttachedIndex {
    attachments = List.copyOf(attachments);
  }

  @Override
  public MediaType mediaType() {
    return index.mediaType();
  }

  @Override
  public byte[] rawManifest() {
    return index.rawManifest();
  }

  @Override
  public Digest digest() {
    return index.digest();
  }

  @Override
  public long size() {
    return index.size();
  }

  @Override
  public IndexManifest indexManifest() {
    return index.indexManifest();
  }

  @Override
  public Artifact child(Descriptor descriptor) throws IOException {
    return index.child(descriptor);
  }
}
