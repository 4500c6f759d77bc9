package dev.ko.concurrent;

import dev.ko.concurrent.Futures.IoTask;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Tasks that succeed or fail together: the first failure interrupts the tasks still running (an
 * upload, a build, a wait on another task) and keeps the ones not yet started from starting. {@code
 * CompletableFuture.cancel} cannot do this: it completes the future but leaves its task running.
 * Tasks here are submitted to the executor, whose {@link Future} can interrupt them.
 *
 * <p>The failure reported is the first one a task had, not the interruptions it caused in the
 * others, however the threads race afterwards.
 */
public final class TaskGroup {
  private record Task(Future<?> future, AtomicBoolean started, CompletableFuture<?> result) {}

  private final ExecutorService executor;
  private final List<Task> tasks = new ArrayList<>();
  private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
  private boolean cancelled;

  public TaskGroup(ExecutorService executor) {
    this.executor = executor;
  }

  /**
   * Runs the task on the executor. Its result (or failure, an IOException wrapped as an
   * UncheckedIOException) completes the returned future; {@link Futures#join} unwraps it.
   */
  public <T> CompletableFuture<T> submit(IoTask<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    AtomicBoolean started = new AtomicBoolean();
    synchronized (tasks) {
      if (cancelled) {
        result.cancel(false);
        return result;
      }
      Future<?> future =
          executor.submit(
              () -> {
                if (!started.compareAndSet(false, true)) {
                  return; // cancelled before it started
                }
                try {
                  result.complete(task.call());
                } catch (IOException e) {
                  firstFailure.compareAndSet(null, e);
                  result.completeExceptionally(new UncheckedIOException(e));
                } catch (RuntimeException | Error e) {
                  firstFailure.compareAndSet(null, e);
                  result.completeExceptionally(e);
                }
              });
      tasks.add(new Task(future, started, result));
    }
    return result;
  }

  /**
   * Interrupts the running tasks and drops the waiting ones (their futures end cancelled, so
   * nothing waits for them forever); later submissions do not run.
   */
  public void cancel() {
    List<Task> snapshot;
    synchronized (tasks) {
      cancelled = true;
      snapshot = List.copyOf(tasks);
    }
    for (Task t : snapshot) {
      if (t.started().compareAndSet(false, true)) {
        t.result().cancel(false);
      } else {
        t.future().cancel(true);
      }
    }
  }

  /**
   * Every result, in order, or a failure as soon as one happens (not in list order): the group is
   * then cancelled and its first failure rethrown. An interrupted wait cancels the group too.
   */
  public <T> List<T> joinAll(List<CompletableFuture<T>> futures) throws IOException {
    CompletableFuture<Void> anyFailure = new CompletableFuture<>();
    for (CompletableFuture<T> f : futures) {
      f.whenComplete(
          (v, t) -> {
            if (t != null) {
              anyFailure.completeExceptionally(t);
            }
          });
    }
    CompletableFuture<Void> all =
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
    try {
      Futures.join(CompletableFuture.anyOf(all, anyFailure));
      List<T> out = new ArrayList<>(futures.size());
      for (CompletableFuture<T> f : futures) {
        out.add(Futures.join(f));
      }
      return out;
    } catch (IOException | RuntimeException | Error e) {
      cancel();
      Throwable first = firstFailure.get();
      if (first == null || first == e) {
        throw e;
      }
      throw Futures.rethrow(first);
    }
  }
}
