package dev.ko.publish;

import dev.ko.concurrent.TaskGroup;
import dev.ko.oci.Artifact;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * A publisher whose publish is one blocking step (writing a file, one call to a local daemon): it
 * runs as one task of the group.
 */
public interface BlockingPublisher extends Publisher {
  /** Publishes on the calling thread and returns the reference. */
  String publishNow(Artifact artifact, String reference) throws IOException;

  @Override
  default CompletableFuture<String> publish(Artifact artifact, String reference, TaskGroup tasks) {
    return tasks.fork(() -> publishNow(artifact, reference));
  }
}
