package dev.ko.build;

import dev.ko.concurrent.Futures.IoTask;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tasks of one build that can be stopped together: when the build fails, the tasks still running
 * (a speculative {@code go build}, say) are interrupted, which kills their child processes, and
 * {@link #cancelAndWait()} returns only once none of them can touch a file any more.
 */
final class TaskGroup {
  private record Task(Future<?> future, AtomicBoolean claimed, CountDownLatch finished) {}

  private final ExecutorService executor;
  private final List<Task> tasks = new ArrayList<>();

  TaskGroup(ExecutorService executor) {
    this.executor = executor;
  }

  <T> CompletableFuture<T> submit(IoTask<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    AtomicBoolean claimed = new AtomicBoolean();
    CountDownLatch finished = new CountDownLatch(1);
    Future<?> future = executor.submit(() -> {
      if (!claimed.compareAndSet(false, true)) {
        return; // cancelled before it started
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
    });
    synchronized (tasks) {
      tasks.add(new Task(future, claimed, finished));
    }
    return result;
  }

  /** Stops every task of the group and waits until the running ones have returned. */
  void cancelAndWait() throws InterruptedIOException {
    List<Task> snapshot;
    synchronized (tasks) {
      snapshot = new ArrayList<>(tasks);
    }
    for (Task t : snapshot) {
      if (t.claimed.compareAndSet(false, true)) {
        t.finished.countDown(); // never ran, never will
      } else {
        t.future.cancel(true);
      }
    }
    for (Task t : snapshot) {
      try {
        t.finished.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while stopping builds");
      }
    }
  }
}
