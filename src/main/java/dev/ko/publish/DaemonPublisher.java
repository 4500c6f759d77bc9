package dev.ko.publish;

import dev.ko.log.Log;
import dev.ko.name.ImportPath;
import dev.ko.oci.Artifact;
import dev.ko.oci.DockerArchive;
import dev.ko.oci.Image;
import dev.ko.oci.Platform;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * {@code ko.local} and {@code --local}: loads the image into a Docker Engine as {@code
 * <name>:<hex of the image digest>} and adds each tag, as ko does. A multi-platform result is
 * loaded for one platform, {@code $GOOS/$GOARCH} (default linux/amd64).
 */
public final class DaemonPublisher implements Publisher {
  private final DockerEngine engine;
  private final String base;
  private final Namer namer;
  private final List<String> tags;
  private final Platform platform;
  private final Log log;

  public DaemonPublisher(DockerEngine engine, String base, Namer namer, List<String> tags, String goos, String goarch,
      Log log) {
    this.engine = engine;
    this.base = base;
    this.namer = namer;
    this.tags = List.copyOf(tags);
    this.platform = LocalImages.target(goos, goarch);
    this.log = log;
  }

  @Override
  public String publish(Artifact artifact, String reference) throws IOException {
    String importPath = ImportPath.forRepository(reference);
    String name = namer.name(base, importPath);
    Image image = LocalImages.forPlatform(artifact, platform, importPath);
    String digestTag = name + ":" + image.digest().hex();
    log.info("Loading " + digestTag);
    engine.load(out -> {
      BufferedOutputStream buffered = new BufferedOutputStream(out, 1 << 16);
      DockerArchive.write(List.of(new DockerArchive.Entry(image, List.of(digestTag))), buffered);
      buffered.flush();
    });
    log.info("Loaded " + digestTag);
    for (String tag : tags) {
      log.info("Adding tag " + tag);
      engine.tag(digestTag, name, tag);
      log.info("Added tag " + tag);
    }
    return digestTag;
  }
}
