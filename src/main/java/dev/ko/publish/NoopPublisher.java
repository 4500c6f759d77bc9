package dev.ko.publish;

import dev.ko.name.ImportPath;
import dev.ko.oci.Artifact;
import java.util.List;

/**
 * {@code --push=false} with no other destination: computes the reference without publishing. As in
 * ko, the import path is not lower-cased here and the first tag is always included.
 */
public final class NoopPublisher implements BlockingPublisher {
  private final String base;
  private final Namer namer;
  private final String tag;
  private final boolean tagOnly;

  public NoopPublisher(String base, Namer namer, List<String> tags, boolean tagOnly) {
    if (tags.isEmpty()) {
      throw new IllegalArgumentException("at least one tag is needed (the default is latest)");
    }
    this.base = base;
    this.namer = namer;
    this.tag = tags.get(0);
    this.tagOnly = tagOnly;
  }

  @Override
  public String publishNow(Artifact artifact, String reference) {
    String name = namer.name(base, ImportPath.strip(reference));
    if (tagOnly) {
      return name + ":" + tag;
    }
    return name + ":" + tag + "@" + artifact.digest();
  }
}
