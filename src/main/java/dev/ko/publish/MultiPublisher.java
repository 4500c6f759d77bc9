package dev.ko.publish;

import dev.ko.oci.Artifact;
import java.io.IOException;
import java.util.List;

/**
 * Publishes to several destinations in order; the last one's reference is the result (as in ko).
 */
public final class MultiPublisher implements Publisher {
  private final List<Publisher> publishers;

  public MultiPublisher(List<Publisher> publishers) {
    if (publishers.isEmpty()) {
      throw new IllegalArgumentException("a multi-publisher needs at least one publisher");
    }
    this.publishers = List.copyOf(publishers);
  }

  @Override
  public String publish(Artifact artifact, String reference) throws IOException {
    String last = null;
    for (Publisher p : publishers) {
      last = p.publish(artifact, reference);
    }
    return last;
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (Publisher p : publishers) {
      try {
        p.close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
