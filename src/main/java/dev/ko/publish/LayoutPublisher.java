package dev.ko.publish;

import dev.ko.log.Log;
import dev.ko.name.ImportPath;
import dev.ko.oci.Artifact;
import dev.ko.oci.OciLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --oci-layout-path}: writes each artifact into an OCI image layout (created if missing,
 * appended to if it exists) and returns {@code <path>@<digest>}.
 */
public final class LayoutPublisher implements BlockingPublisher {
  private final String path;
  private final Path resolved;
  private final Log log;
  private OciLayout layout;

  /**
   * Checks the path now; the layout itself is created by the first publish, after a build
   * succeeded.
   */
  public LayoutPublisher(String path, Path resolved, Log log) {
    if (Files.exists(resolved) && !Files.isDirectory(resolved)) {
      throw new IllegalArgumentException("--oci-layout-path " + path + " is not a directory");
    }
    this.path = path;
    this.resolved = resolved;
    this.log = log;
  }

  private synchronized OciLayout layout() throws IOException {
    if (layout == null) {
      layout = OciLayout.openOrCreate(resolved);
    }
    return layout;
  }

  @Override
  public String publishNow(Artifact artifact, String reference) throws IOException {
    String importPath = ImportPath.strip(reference);
    log.info("Saving " + importPath);
    try {
      layout().append(artifact);
    } catch (IOException e) {
      throw new IOException("writing OCI layout " + path + ": " + e.getMessage(), e);
    }
    log.info("Saved " + importPath);
    return path + "@" + artifact.digest();
  }
}
