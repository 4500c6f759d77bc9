package dev.ko.oci;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The referrers tag schema of the OCI distribution spec 1.1, for registries without the referrers
 * API: the referrers of a manifest are listed in an OCI image index under the tag {@link
 * #tag(Digest)}, which the pushing client reads, extends and writes back.
 */
public final class ReferrersIndex {
  private ReferrersIndex() {}

  /**
   * The referrers tag of {@code subject}: its algorithm truncated to 32 characters, {@code -}, its
   * encoded part truncated to 64, every character a tag may not have replaced by {@code -} ({@code
   * sha256-<hex>}).
   */
  public static String tag(Digest subject) {
    String algorithm = truncate(subject.algorithm(), 32);
    String encoded = truncate(subject.hex(), 64);
    return (algorithm + "-" + encoded).replaceAll("[^a-zA-Z0-9._-]", "-");
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }

  /**
   * The referrers list {@code existing} (none when the tag is not there yet) with {@code added}
   * appended, each entry once (by digest; the existing entries and the index's annotations kept, in
   * order); or empty when every one of {@code added} is listed already, so that nothing needs to be
   * written.
   *
   * @param existing the manifest now under the tag, as fetched
   * @throws IllegalArgumentException when the tag holds something other than an OCI image index,
   *     which the spec says a client must not overwrite
   */
  public static Optional<byte[]> adding(
      Optional<MediaType> existingType, Optional<byte[]> existing, List<Descriptor> added) {
    List<Descriptor> manifests = new ArrayList<>();
    SortedMap<String, String> annotations = new TreeMap<>();
    if (existing.isPresent()) {
      MediaType type = existingType.orElse(MediaType.OCI_INDEX);
      IndexManifest index;
      try {
        index = IndexManifest.parse(existing.get(), type);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("it is not an OCI image index: " + e.getMessage(), e);
      }
      if (!type.equals(MediaType.OCI_INDEX) || !MediaType.OCI_INDEX.equals(index.mediaType())) {
        throw new IllegalArgumentException(
            "it holds a " + type.value() + ", not an OCI image index");
      }
      manifests.addAll(index.manifests());
      annotations = index.annotations();
    }
    Set<Digest> listed = new HashSet<>();
    manifests.forEach(d -> listed.add(d.digest()));
    boolean changed = false;
    for (Descriptor d : added) {
      if (listed.add(d.digest())) {
        manifests.add(d);
        changed = true;
      }
    }
    if (!changed) {
      return Optional.empty();
    }
    return Optional.of(
        new IndexManifest(2, MediaType.OCI_INDEX, manifests, annotations, null).toJson());
  }
}
