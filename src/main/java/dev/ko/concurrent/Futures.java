package dev.ko.concurrent;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
    return CompletableFuture.supplyAsync(() -> {
      try {
        return task.call();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, executor);
  }

  /** Waits for a future and rethrows what its task threw. */
  public static <T> T join(CompletableFuture<T> f) throws IOException {
    try {
      return f.join();
    } catch (CompletionException e) {
      throw rethrow(e.getCause());
    } catch (CancellationException e) {
      throw new InterruptedIOException("cancelled");
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
