package dev.ko.build;

import dev.ko.concurrent.Futures;
import dev.ko.concurrent.Futures.IoTask;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tasks of one build that can be stopped together: when the build fails, the tasks still running (a
 * speculative {@code go build}, say) are interrupted, which kills their child processes, and {@link
 * #cancelAndWait()} returns only once none of them can touch a file any more. Every result future
 * completes: a task stopped before it started has its result cancelled, and so has a task submitted
 * once the group is being stopped (it never runs).
 */
final class TaskGroup {
  private record Task(
      FutureTask<?> future,
      AtomicBoolean claimed,
      CountDownLatch finished,
      CompletableFuture<?> result) {}

  private final ExecutorService executor;
  private final List<Task> tasks = new ArrayList<>();
  private boolean closed;

  TaskGroup(ExecutorService executor) {
    this.executor = executor;
  }

  <T> CompletableFuture<T> submit(IoTask<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    AtomicBoolean claimed = new AtomicBoolean();
    CountDownLatch finished = new CountDownLatch(1);
    FutureTask<Void> future =
        new FutureTask<>(
            () -> {
              if (!claimed.compareAndSet(false, true)) {
                return; // stopped before it started: cancelAndWait completed the result
              }
              try {
                result.complete(task.call());
              } catch (IOException e) {
                result.completeExceptionally(new UncheckedIOException(e));
              } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
              } finally {
                finished.countDown();
              }
            },
            null);
    // Registered and started under the lock that cancelAndWait closes the group with, so a task
    // is either in its list or refused: none can slip past it.
    synchronized (tasks) {
      if (closed) {
        result.cancel(false);
        return result;
      }
      tasks.add(new Task(future, claimed, finished, result));
      try {
        executor.execute(future);
      } catch (RejectedExecutionException e) {
        claimed.set(true);
        finished.countDown();
        result.completeExceptionally(e);
      }
    }
    return result;
  }

  /**
   * Stops every task of the group and waits until the running ones have returned. Later submits
   * return cancelled futures. Tasks that were never started have their results cancelled.
   */
  void cancelAndWait() throws InterruptedIOException {
    List<Task> all;
    synchronized (tasks) {
      closed = true;
      all = List.copyOf(tasks);
    }
    // Claim the waiting tasks before interrupting the running ones, whose threads would pick them
    // up.
    List<Task> running = new ArrayList<>();
    for (Task t : all) {
      if (t.claimed.compareAndSet(false, true)) {
        t.result.cancel(false); // never ran, never will: whoever waits for it stops waiting
        t.finished.countDown();
      } else {
        running.add(t);
      }
    }
    for (Task t : running) {
      t.future.cancel(true);
    }
    for (Task t : all) {
      try {
        t.finished.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while stopping builds");
      }
    }
  }

  /**
   * Waits for all the futures and returns their values in order, or throws the first failure as
   * soon as it happens, without waiting for the others (the caller stops them with {@link
   * #cancelAndWait()}).
   */
  static <T> List<T> joinAll(List<CompletableFuture<T>> futures) throws IOException {
    CompletableFuture<Void> firstFailure = new CompletableFuture<>();
    for (CompletableFuture<T> f : futures) {
      f.whenComplete(
          (v, e) -> {
            if (e != null) {
              firstFailure.completeExceptionally(e);
            }
          });
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .whenComplete((v, e) -> firstFailure.complete(null));
    Futures.join(firstFailure);
    List<T> values = new ArrayList<>();
    for (CompletableFuture<T> f : futures) {
      values.add(Futures.join(f));
    }
    return values;
  }
}
