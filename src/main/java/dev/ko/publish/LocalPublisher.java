package dev.ko.publish;

import dev.ko.log.Log;
import dev.ko.name.ImportPath;
import dev.ko.oci.Artifact;
import dev.ko.oci.Image;
import dev.ko.oci.Platform;
import java.io.IOException;
import java.util.List;

/**
 * {@code ko.local}, {@code --local} and {@code kind.local}: loads the image into a local image
 * store as {@code <name>:<hex of the image digest>} and adds each tag, as ko does. A multi-platform
 * result is loaded for one platform, {@code $GOOS/$GOARCH} (default linux/amd64).
 */
public final class LocalPublisher implements BlockingPublisher {
  /** Where images are loaded: a Docker Engine, or the nodes of a kind cluster. */
  public interface Store {
    /** Loads the image under {@code reference} ({@code name:tag}). */
    void load(Image image, String reference) throws IOException;

    /** Gives the loaded {@code source} the name {@code repository:tag} too. */
    void tag(String source, String repository, String tag) throws IOException;
  }

  private final Store store;
  private final String base;
  private final Namer namer;
  private final List<String> tags;
  private final Platform platform;
  private final Log log;

  public LocalPublisher(
      Store store, String base, Namer namer, List<String> tags, Platform platform, Log log) {
    this.store = store;
    this.base = base;
    this.namer = namer;
    this.tags = List.copyOf(tags);
    this.platform = platform;
    this.log = log;
  }

  @Override
  public String publishNow(Artifact artifact, String reference) throws IOException {
    String importPath = ImportPath.forRepository(reference);
    String name = namer.name(base, importPath);
    Image image = LocalImages.forPlatform(artifact, platform, importPath);
    String digestTag = name + ":" + image.digest().hex();
    log.info("Loading " + digestTag);
    store.load(image, digestTag);
    log.info("Loaded " + digestTag);
    for (String tag : tags) {
      log.info("Adding tag " + tag);
      store.tag(digestTag, name, tag);
      log.info("Added tag " + tag);
    }
    return digestTag;
  }
}
