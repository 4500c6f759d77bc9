package dev.ko.sbom;

import dev.ko.name.BadNameException;
import dev.ko.name.Reference;
import dev.ko.name.Tag;
import dev.ko.oci.Annotations;
import dev.ko.oci.Digest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The base image an image or index names in its base annotations, as SBOMs describe it. */
record BaseImage(Reference reference, Digest digest) {
  /** The base, when both base annotations are present. */
  static Optional<BaseImage> of(Map<String, String> annotations) {
    String baseName = annotations.get(Annotations.BASE_NAME);
    String baseDigest = annotations.get(Annotations.BASE_DIGEST);
    if (baseName == null || baseDigest == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(new BaseImage(Reference.parse(baseName), Digest.parse(baseDigest)));
    } catch (BadNameException e) {
      throw new IllegalArgumentException(
          "invalid base image annotation \"" + baseName + "\": " + e.getMessage(), e);
    }
  }

  /** {@code <repository>@<digest>}. */
  String name() {
    return reference.repository().name() + "@" + digest;
  }

  /** {@code pkg:oci/image@<digest>?repository_url=...[&tag=...]}. */
  String purl() {
    List<Purl.Qualifier> qualifiers = new ArrayList<>();
    qualifiers.add(new Purl.Qualifier("repository_url", reference.repository().name()));
    if (reference instanceof Tag tag) {
      qualifiers.add(new Purl.Qualifier("tag", tag.identifier()));
    }
    return Purl.oci("image", digest, qualifiers);
  }
}
