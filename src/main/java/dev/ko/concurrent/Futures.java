package dev.ko.concurrent;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/** Futures for I/O tasks, with the tasks' own exceptions on the way out. */
public final class Futures {
  private Futures() {}

  /** A task that may fail with an {@link IOException}. */
  @FunctionalInterface
  public interface IoTask<T> {
    T call() throws IOException;
  }

  /** Runs a task on the executor; its IOException travels as an UncheckedIOException. */
  public static <T> CompletableFuture<T> async(IoTask<T> task, Executor executor) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return task.call();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        },
        executor);
  }

  /**
   * Waits for a future and rethrows what its task threw. The wait can be interrupted (unlike {@code
   * join}), so a cancelled build or upload stops waiting at once.
   */
  public static <T> T join(CompletableFuture<T> f) throws IOException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    } catch (CancellationException e) {
      throw new InterruptedIOException("cancelled");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting");
    }
  }

  /**
   * The value for {@code key}, computed by {@code task} once however many threads ask at the same
   * time; the others wait for it. A failure is handed to those waiting and then forgotten, so a
   * later call tries again.
   */
  public static <K, V> V once(ConcurrentMap<K, CompletableFuture<V>> cache, K key, IoTask<V> task)
      throws IOException {
    CompletableFuture<V> mine = new CompletableFuture<>();
    CompletableFuture<V> existing = cache.putIfAbsent(key, mine);
    if (existing != null) {
      return join(existing);
    }
    try {
      V value = task.call();
      mine.complete(value);
      return value;
    } catch (IOException | RuntimeException | Error e) {
      cache.remove(key, mine);
      mine.completeExceptionally(e);
      throw e;
    }
  }

  /**
   * The IOException a task failed with (unwrapped), or throws its runtime exception or error
   * directly.
   */
  public static IOException rethrow(Throwable cause) {
    if (cause instanceof UncheckedIOException u) {
      return u.getCause();
    }
    if (cause instanceof IOException io) {
      return io;
    }
    if (cause instanceof RuntimeException r) {
      throw r;
    }
    if (cause instanceof Error err) {
      throw err;
    }
    return new IOException(cause);
  }
}
