package dev.ko.publish;

import dev.ko.concurrent.TaskGroup;
import dev.ko.oci.Artifact;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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
  public CompletableFuture<String> publish(Artifact artifact, String reference, TaskGroup tasks) {
    CompletableFuture<String> last = publishers.get(0).publish(artifact, reference, tasks);
    for (Publisher next : publishers.subList(1, publishers.size())) {
      last = last.thenCompose(previous -> next.publish(artifact, reference, tasks));
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
