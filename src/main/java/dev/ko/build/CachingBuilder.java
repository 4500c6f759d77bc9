package dev.ko.build;

import dev.ko.concurrent.Futures;
import dev.ko.concurrent.TaskGroup;
import dev.ko.oci.Artifact;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Builds each reference once however many times it is asked for (ko's {@code build.NewCaching}):
 * {@code ko build ./a ./a}, or a resolve whose files name one image twice, runs one build. A failed
 * build is forgotten, so asking again builds again.
 */
public final class CachingBuilder extends ForwardingBuilder {
  private final ConcurrentMap<String, CompletableFuture<Artifact>> results =
      new ConcurrentHashMap<>();

  public CachingBuilder(Builder inner) {
    super(inner);
  }

  @Override
  public CompletableFuture<Artifact> build(String reference, TaskGroup tasks) {
    return Futures.memo(results, reference, () -> inner.build(reference, tasks));
  }
}
