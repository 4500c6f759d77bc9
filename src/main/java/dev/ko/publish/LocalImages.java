package dev.ko.publish;

import dev.ko.oci.Artifact;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.Platform;
import java.io.IOException;

/** Shared rules of the publishers that load into a local engine (Docker, kind nodes). */
public final class LocalImages {
  private LocalImages() {}

  /**
   * The image to load: the artifact itself, or the child of an index for {@code target}. Like ko,
   * a local engine gets one platform, chosen by {@code $GOOS/$GOARCH} (default linux/amd64), not
   * by the host.
   */
  static Image forPlatform(Artifact artifact, Platform target, String importPath) throws IOException {
    if (artifact instanceof Image image) {
      return image;
    }
    ImageIndex index = (ImageIndex) artifact;
    for (Descriptor d : index.indexManifest().manifests()) {
      Platform p = d.platform();
      if (p != null && p.os().equals(target.os()) && p.architecture().equals(target.architecture())
          && (target.variant().isEmpty() || p.variant().equals(target.variant()))
          && index.child(d) instanceof Image image) {
        return image;
      }
    }
    throw new IOException("failed to find " + target + " image in index for image: " + importPath);
  }

  /** {@code $GOOS/$GOARCH}, each defaulting as in ko. */
  public static Platform target(String goos, String goarch) {
    return Platform.of(goos.isEmpty() ? "linux" : goos, goarch.isEmpty() ? "amd64" : goarch, "");
  }
}
