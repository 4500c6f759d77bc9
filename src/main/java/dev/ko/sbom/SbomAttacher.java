package dev.ko.sbom;

import dev.ko.log.Log;
import dev.ko.oci.Artifact;
import dev.ko.oci.Attachment;
import dev.ko.oci.Descriptor;
import dev.ko.oci.GoPath;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.MediaType;
import dev.ko.oci.Platform;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Makes the SBOM of each built image and index, writes it to {@code --sbom-dir} when asked and
 * attaches it, so that the registry publisher can push it where cosign looks.
 */
public final class SbomAttacher {
  private static final String ATTACHMENT = "sbom";

  private final SbomOptions options;
  private final Path workingDirectory;
  private final Log log;

  public SbomAttacher(SbomOptions options, Path workingDirectory, Log log) {
    this.options = options;
    this.workingDirectory = workingDirectory;
    this.log = log;
  }

  /** Whether SBOMs are made at all; when not, the builder need not run {@code go version -m}. */
  public boolean enabled() {
    return options.enabled();
  }

  /**
   * {@code go version -m} output with the first occurrence of the build output path replaced by the
   * binary's path in the image, so that the text does not depend on where the build ran.
   */
  public static String inImagePath(String versionM, String binaryPath, String appPath) {
    int at = versionM.indexOf(binaryPath);
    return at < 0
        ? versionM
        : versionM.substring(0, at) + appPath + versionM.substring(at + binaryPath.length());
  }

  /**
   * The image with its SBOM attached (the image itself when SBOMs are off).
   *
   * @param versionM the binary's {@code go version -m} output, see {@link #inImagePath}
   * @param appName the binary's name, which names the {@code --sbom-dir} file
   */
  public Image attach(Image image, String versionM, String appName, Platform platform)
      throws IOException {
    return attach(image, versionM, appName, platform, Optional.empty());
  }

  /** As above, the SBOM referencing the base image's SBOM when there is one. */
  public Image attach(
      Image image, String versionM, String appName, Platform platform, Optional<BaseSbom> baseSbom)
      throws IOException {
    if (!options.enabled()) {
      return image;
    }
    GoBuildInfo info = GoBuildInfo.fromVersionM(versionM);
    byte[] sbom =
        cyclonedx()
            ? CycloneDx.image(options.toolVersion(), info, image, baseSbom)
            : Spdx.image(options.toolVersion(), info, image, baseSbom);
    writeFile(appName + "-" + stem(platform), sbom);
    return image.withAttachment(new Attachment(ATTACHMENT, mediaType(), sbom));
  }

  /**
   * The index with its SBOM attached (the index itself when SBOMs are off); its children keep the
   * SBOMs attached to them.
   */
  public ImageIndex attach(ImageIndex index, String appName) throws IOException {
    return attach(index, appName, Optional.empty());
  }

  /** As above, the SBOM referencing the base index's SBOM when there is one. */
  public ImageIndex attach(ImageIndex index, String appName, Optional<BaseSbom> baseSbom)
      throws IOException {
    if (!options.enabled()) {
      return index;
    }
    byte[] sbom =
        cyclonedx()
            ? CycloneDx.index(options.toolVersion(), index, baseSbom)
            : Spdx.index(options.toolVersion(), index, baseSbom);
    writeFile(appName + "-index", sbom);
    return index.withAttachment(new Attachment(ATTACHMENT, mediaType(), sbom));
  }

  /**
   * Writes the {@code --sbom-dir} files a build of {@code artifact} writes, from the SBOMs attached
   * to it (an artifact taken from a build cache rather than built); nothing when SBOMs are off or
   * no directory is set.
   *
   * @param imagePlatform the platform a single image was built for; ignored for an index, whose
   *     descriptors name their children's
   * @throws IOException when an SBOM is not attached, or a file cannot be written
   */
  public void writeFiles(Artifact artifact, String appName, Platform imagePlatform)
      throws IOException {
    if (!options.enabled() || options.directory().isEmpty()) {
      return;
    }
    if (artifact instanceof ImageIndex index) {
      for (Descriptor d : index.indexManifest().manifests()) {
        Platform p = d.platform() == null ? Platform.LINUX_AMD64 : d.platform();
        writeFile(appName + "-" + stem(p), attached(index.child(d)));
      }
      writeFile(appName + "-index", attached(index));
    } else {
      writeFile(appName + "-" + stem(imagePlatform), attached(artifact));
    }
  }

  private static String stem(Platform platform) {
    return platform.toString().replace('/', '-').replace(':', '-');
  }

  private static byte[] attached(Artifact artifact) throws IOException {
    for (Attachment a : artifact.attachments()) {
      if (a.name().equals(ATTACHMENT)) {
        return a.content();
      }
    }
    throw new IOException("no SBOM attached to " + artifact.digest());
  }

  private boolean cyclonedx() {
    return options.format() == SbomOptions.Format.CYCLONEDX;
  }

  /** The attachment's layer media type, as cosign names the format. */
  private MediaType mediaType() {
    return cyclonedx() ? CycloneDx.MEDIA_TYPE : Spdx.MEDIA_TYPE;
  }

  /** The file name suffix in {@code --sbom-dir}: {@code .spdx.json} or {@code .cyclonedx.json}. */
  private String extension() {
    return cyclonedx() ? ".cyclonedx.json" : ".spdx.json";
  }

  /**
   * {@code <dir>/<stem>.spdx.json} (or {@code .cyclonedx.json}), mode 0644, the directory created
   * as needed.
   */
  private void writeFile(String stem, byte[] sbom) throws IOException {
    if (options.directory().isEmpty()) {
      return;
    }
    String shown = GoPath.join(options.directory(), stem + extension());
    Path dir = workingDirectory.resolve(options.directory());
    Path file = dir.resolve(stem + extension());
    log.info("Writing SBOM to " + shown);
    try {
      Files.createDirectories(dir);
      Files.write(file, sbom);
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
      }
    } catch (IOException e) {
      throw new IOException("writing SBOM to " + shown + ": " + e.getMessage(), e);
    }
  }
}
