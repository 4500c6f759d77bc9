package dev.ko.publish;

import dev.ko.concurrent.Futures;
import dev.ko.concurrent.TaskGroup;
import dev.ko.oci.Artifact;
import dev.ko.oci.Digest;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Publishes each (import path, build result) once per run: the same {@code ko://} reference met
 * again, in another file or document, waits for and reuses the first publish.
 */
public final class CachingPublisher implements Publisher {
  private record Key(String reference, Digest digest) {}

  private final Publisher inner;
  private final ConcurrentMap<Key, CompletableFuture<String>> published = new ConcurrentHashMap<>();

  public CachingPublisher(Publisher inner) {
    this.inner = inner;
  }

  @Override
  public CompletableFuture<String> publish(Artifact artifact, String reference, TaskGroup tasks) {
    return Futures.memo(
        published,
        new Key(reference, artifact.digest()),
        () -> inner.publish(artifact, reference, tasks));
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
