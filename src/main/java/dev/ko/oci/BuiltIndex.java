package dev.ko.oci;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An index assembled in memory from artifacts we hold. Each child keeps its own attachments (a
 * platform's SBOM); the index has its own.
 *
 * @param children by digest; each must be listed in the index under its own media type, size and
 *     digest (the index may list more, which {@link #child} then cannot give)
 */
public record BuiltIndex(
    Content<IndexManifest> manifestContent,
    Map<Digest, Artifact> children,
    List<Attachment> attachments)
    implements ImageIndex {

  public BuiltIndex {
    children = Map.copyOf(children);
    attachments = Attachment.copyOf(attachments);
    List<Descriptor> listed = manifestContent.parsed().manifests();
    children.forEach(
        (digest, child) -> {
          if (!digest.equals(child.digest())) {
            throw new IllegalArgumentException(
                "child " + child.digest() + " is given as " + digest);
          }
          if (listed.stream().noneMatch(d -> lists(d, child))) {
            throw new IllegalArgumentException(
                "the index does not list child "
                    + child.mediaType()
                    + "@"
                    + child.digest()
                    + " ("
                    + child.size()
                    + " bytes)");
          }
        });
  }

  private static boolean lists(Descriptor d, Artifact child) {
    return d.digest().equals(child.digest())
        && d.size() == child.size()
        && d.mediaType().equals(child.mediaType());
  }

  /** The index serialised from {@code index}, with {@code children} (duplicates given once). */
  public static BuiltIndex of(IndexManifest index, List<? extends Artifact> children) {
    Map<Digest, Artifact> byDigest = new HashMap<>();
    children.forEach(c -> byDigest.putIfAbsent(c.digest(), c));
    return new BuiltIndex(Content.of(index), byDigest, List.of());
  }

  @Override
  public Artifact child(Descriptor descriptor) throws IOException {
    Artifact a = children.get(descriptor.digest());
    if (a == null) {
      throw new IOException("index has no child " + descriptor.digest());
    }
    return a;
  }

  /** The same index and children with {@code attachments} in place of the index's own. */
  @Override
  public BuiltIndex withAttachments(List<Attachment> attachments) {
    return new BuiltIndex(manifestContent, children, attachments);
  }
}
