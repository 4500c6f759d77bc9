package dev.ko.concurrent;

import dev.ko.errors.ErrorContext;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/** Futures for I/O tasks, with the tasks' own exceptions on the way out. */
public final class Futures {
  private Futures() {}

  /** A task that may fail with an {@link IOException}. */
  @FunctionalInterface
  public interface IoTask<T> {
    T call() throws IOException;
  }

  /** A step from one value to the next that may fail with an {@link IOException}. */
  @FunctionalInterface
  public interface IoFunction<T, R> {
    R apply(T value) throws IOException;
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
   * time; the others wait for it. The computation runs on the first caller's own thread, so whoever
   * waits waits for work that is already running, never for a queued task: this cannot starve a
   * bounded pool. A failure is handed to those waiting and then forgotten, so a later call tries
   * again.
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
   * The future for {@code key}, started by {@code start} only if no call has started one; a failed
   * one is forgotten, so a later call starts again. Nothing waits: the future is shared.
   */
  public static <K, V> CompletableFuture<V> memo(
      ConcurrentMap<K, CompletableFuture<V>> cache, K key, Supplier<CompletableFuture<V>> start) {
    CompletableFuture<V> f = cache.computeIfAbsent(key, k -> start.get());
    // Registered for its effect: the caller gets f itself, failure included.
    var unused =
        f.whenComplete(
            (v, e) -> {
              if (e != null) {
                cache.remove(key, f);
              }
            });
    return f;
  }

  /**
   * The future, or its failure with {@code context} in front of the message and its type kept (see
   * {@link ErrorContext}).
   */
  public static <T> CompletableFuture<T> withContext(CompletableFuture<T> f, String context) {
    // The handler answers with the future to deliver, flattened right below.
    @SuppressWarnings("FutureReturnValueIgnored") // a nested future, on purpose and never leaked
    CompletableFuture<CompletableFuture<T>> outcome =
        f.handle(
            (value, failure) -> {
              if (failure == null) {
                return CompletableFuture.completedFuture(value);
              }
              try {
                return CompletableFuture.<T>failedFuture(
                    ErrorContext.rethrow(context, cause(failure)));
              } catch (RuntimeException | Error e) {
                return CompletableFuture.<T>failedFuture(e);
              }
            });
    return outcome.thenCompose(x -> x);
  }

  /**
   * What a task failed with, without the wrappers that composed stages put around it (null for
   * null).
   */
  public static Throwable cause(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /**
   * The IOException a task failed with (unwrapped), or throws its runtime exception or error
   * directly.
   */
  public static IOException rethrow(Throwable failure) {
    Throwable cause = cause(failure);
    if (cause instanceof CancellationException) {
      return new InterruptedIOException("cancelled");
    }
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
