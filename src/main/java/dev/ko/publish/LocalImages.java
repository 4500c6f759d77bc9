package dev.ko.publish;

import dev.ko.oci.Artifact;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.Platform;
import java.io.IOException;
import java.util.Optional;

/**
 * Shared rules of the publishers that save or load one platform of a result (Docker, kind,
 * tarball).
 */
public final class LocalImages {
  private LocalImages() {}

  /**
   * The image to load: the artifact itself, or the child of an index for {@code target}. Like ko, a
   * local engine gets one platform, chosen by {@code $GOOS/$GOARCH} (default linux/amd64), not by
   * the host.
   */
  static Image forPlatform(Artifact artifact, Platform target, String importPath)
      throws IOException {
    if (artifact instanceof Image image) {
      return image;
    }
    ImageIndex index = (ImageIndex) artifact;
    Optional<Descriptor> match = child(index, target);
    if (match.isPresent() && index.child(match.get()) instanceof Image image) {
      return image;
    }
    throw new IOException("failed to find " + target + " image in index for image: " + importPath);
  }

  /**
   * The index's first child for the OS and architecture of {@code target} (ko ignores the variant
   * here).
   */
  static Optional<Descriptor> child(ImageIndex index, Platform target) {
    for (Descriptor d : index.indexManifest().manifests()) {
      Platform p = d.platform();
      if (p != null
          && p.os().equals(target.os())
          && p.architecture().equals(target.architecture())) {
        return Optional.of(d);
      }
    }
    return Optional.empty();
  }

  /** {@code $GOOS/$GOARCH}, each defaulting as in ko. */
  public static Platform target(String goos, String goarch) {
    return Platform.of(goos.isEmpty() ? "linux" : goos, goarch.isEmpty() ? "amd64" : goarch, "");
  }
}
