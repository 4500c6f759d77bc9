package dev.ko.build;

import dev.ko.concurrent.Futures;
import dev.ko.concurrent.TaskGroup;
import dev.ko.oci.Artifact;
import java.io.IOException;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Builds each reference once however many times it is asked for (ko's {@code build.NewCaching}):
 * {@code ko build ./a ./a}, or a resolve whose files name one image twice, runs one build. A failed
 * build is forgotten, so asking again builds again.
 */
public final class CachingBuilder implements Builder {
  private final Builder inner;
  private final ConcurrentMap<String, CompletableFuture<Artifact>> results =
      new ConcurrentHashMap<>();

  public CachingBuilder(Builder inner) {
    this.inner = inner;
  }

  @Override
  public String qualifyImport(String importPath) throws IOException {
    return inner.qualifyImport(importPath);
  }

  @Override
  public void prepare(Collection<String> references) throws IOException {
    inner.prepare(references);
  }

  @Override
  public void checkSupported(String reference) throws IOException {
    inner.checkSupported(reference);
  }

  @Override
  public CompletableFuture<Artifact> build(String reference, TaskGroup tasks) {
    return Futures.memo(results, reference, () -> inner.build(reference, tasks));
  }
}
