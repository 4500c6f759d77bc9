package dev.ko.publish;

import dev.ko.oci.Artifact;
import java.io.IOException;

/** Publishes a built artifact under a name derived from its import path. */
public interface Publisher extends AutoCloseable {
  /**
   * Publishes and returns the reference to print (or substitute into YAML), exactly as ko spells
   * it.
   *
   * @param reference the {@code ko://} reference the artifact was built from
   */
  String publish(Artifact artifact, String reference) throws IOException;

  /** Finishes work that spans several publishes (tarball files, for example). */
  @Override
  default void close() throws IOException {}
}
