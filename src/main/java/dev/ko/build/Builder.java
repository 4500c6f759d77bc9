package dev.ko.build;

import dev.ko.concurrent.TaskGroup;
import dev.ko.name.ImportPath;
import dev.ko.oci.Artifact;
import java.io.IOException;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/** Builds images from Go import paths. References carry the {@code ko://} prefix. */
public interface Builder {
  String STRICT_SCHEME = ImportPath.SCHEME;

  /**
   * Turns {@code ./cmd/app}, {@code example.com/m/cmd/app} or a {@code ko://} path into a qualified
   * {@code ko://} reference.
   */
  String qualifyImport(String importPath) throws IOException;

  /**
   * Gets ready to check and build these references together (one {@code go list} for all of them,
   * say); what fails here is reported by {@link #checkSupported} for the reference at fault.
   */
  default void prepare(Collection<String> references) throws IOException {}

  /** Fails with {@link UnsupportedReferenceException} unless the reference names a main package. */
  void checkSupported(String reference) throws IOException;

  /**
   * Builds the image (or, for several platforms, the index) for a supported reference, as tasks of
   * {@code tasks}; stopping the group stops the build.
   */
  CompletableFuture<Artifact> build(String reference, TaskGroup tasks);
}
