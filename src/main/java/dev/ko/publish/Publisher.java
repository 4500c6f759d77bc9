package dev.ko.publish;

import dev.ko.concurrent.TaskGroup;
import dev.ko.oci.Artifact;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/** Publishes a built artifact under a name derived from its import path. */
public interface Publisher extends AutoCloseable {
  /**
   * Publishes, as tasks of {@code tasks}, and completes with the reference to print (or substitute
   * into YAML), exactly as ko spells it.
   *
   * @param reference the {@code ko://} reference the artifact was built from
   */
  CompletableFuture<String> publish(Artifact artifact, String reference, TaskGroup tasks);

  /** Finishes work that spans several publishes (tarball files, for example). */
  @Override
  default void close() throws IOException {}
}
