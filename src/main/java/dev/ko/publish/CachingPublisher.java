package dev.ko.publish;

import dev.ko.oci.Artifact;
import dev.ko.oci.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
  public String publish(Artifact artifact, String reference) throws IOException {
    CompletableFuture<String> mine = new CompletableFuture<>();
    CompletableFuture<String> existing = published.putIfAbsent(new Key(reference, artifact.digest()), mine);
    if (existing != null) {
      try {
        return existing.join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof IOException io) {
          throw io;
        }
        if (e.getCause() instanceof UncheckedIOException u) {
          throw u.getCause();
        }
        throw e;
      }
    }
    try {
      String ref = inner.publish(artifact, reference);
      mine.complete(ref);
      return ref;
    } catch (IOException | RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
