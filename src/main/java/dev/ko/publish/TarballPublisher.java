package dev.ko.publish;

import dev.ko.io.AtomicFile;
import dev.ko.log.Log;
import dev.ko.name.BadNameException;
import dev.ko.name.ImportPath;
import dev.ko.name.Tag;
import dev.ko.oci.Artifact;
import dev.ko.oci.Descriptor;
import dev.ko.oci.DockerArchive;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.Platform;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --tarball FILE}: collects every published image and writes one {@code docker save} archive
 * when closed, tagged {@code <name>:<tag>} for each tag.
 *
 * <p>ko fails on multi-platform results. Here every platform goes into the archive as its own
 * image: the platform of {@code $GOOS/$GOARCH} (default linux/amd64; else the first one) gets the
 * plain tags, and every platform also gets {@code <tag>-<os>-<arch>[-<variant>]}, so {@code docker
 * load} and {@code podman load} give you all of them under names that say which is which.
 */
public final class TarballPublisher implements BlockingPublisher {
  private final Path file;
  private final String base;
  private final Namer namer;
  private final List<String> tags;
  private final Platform defaultPlatform;
  private final Log log;
  private final List<DockerArchive.Entry> entries = new ArrayList<>();

  public TarballPublisher(
      Path file, String base, Namer namer, List<String> tags, Platform defaultPlatform, Log log) {
    this.file = file;
    this.base = base;
    this.namer = namer;
    this.tags = List.copyOf(tags);
    this.defaultPlatform = defaultPlatform;
    this.log = log;
  }

  @Override
  public String publishNow(Artifact artifact, String reference) throws IOException {
    String name = namer.name(base, ImportPath.forRepository(reference));
    List<DockerArchive.Entry> mine = new ArrayList<>();
    if (artifact instanceof Image image) {
      mine.add(new DockerArchive.Entry(image, repoTags(name, tags, "")));
    } else {
      ImageIndex index = (ImageIndex) artifact;
      List<Descriptor> children = index.indexManifest().manifests();
      // The $GOOS/$GOARCH child gets the plain tags; without one, the first child does.
      // indexOf finds the matching child itself: an equal child before it would have matched.
      int plain = LocalImages.child(index, defaultPlatform).map(children::indexOf).orElse(0);
      for (int i = 0; i < children.size(); i++) {
        Descriptor d = children.get(i);
        if (!(index.child(d) instanceof Image image)) {
          throw new IOException(
              "failed to save " + reference + " to " + file + ": nested index " + d.digest());
        }
        String suffix = "-" + platformSuffix(d.platform(), d);
        List<String> repoTags = new ArrayList<>(i == plain ? repoTags(name, tags, "") : List.of());
        repoTags.addAll(repoTags(name, tags, suffix));
        mine.add(new DockerArchive.Entry(image, repoTags));
      }
    }
    synchronized (entries) {
      entries.addAll(mine);
    }
    return References.withDigest(name, tags, artifact.digest());
  }

  private static String platformSuffix(Platform p, Descriptor d) {
    if (p == null || p.os().isEmpty()) {
      return d.digest().hex().substring(0, 12);
    }
    StringBuilder b = new StringBuilder(p.os());
    if (!p.architecture().isEmpty()) {
      b.append('-').append(p.architecture());
    }
    if (!p.variant().isEmpty()) {
      b.append('-').append(p.variant());
    }
    return b.toString().replaceAll("[^A-Za-z0-9_.-]", "_");
  }

  private static List<String> repoTags(String name, List<String> tags, String suffix) {
    List<String> out = new ArrayList<>();
    for (String t : tags) {
      String ref = name + ":" + t + suffix;
      try {
        Tag.parse(ref);
      } catch (BadNameException e) {
        throw new IllegalArgumentException(
            "cannot save " + ref + " in a tarball: " + e.getMessage(), e);
      }
      out.add(ref);
    }
    return out;
  }

  /**
   * Writes the archive (0644, as ko does) next to its final name and renames it, so a failure
   * leaves no partial file.
   */
  @Override
  public void close() throws IOException {
    List<DockerArchive.Entry> all;
    synchronized (entries) {
      all = List.copyOf(entries);
    }
    log.info("Saving " + file);
    try {
      AtomicFile.write(file, AtomicFile.SHARED, out -> DockerArchive.write(all, out));
    } catch (IOException e) {
      throw new IOException("failed to save " + file + ": " + e.getMessage(), e);
    }
    log.info("Saved " + file);
  }
}
