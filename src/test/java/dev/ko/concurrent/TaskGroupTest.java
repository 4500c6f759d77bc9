package dev.ko.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TaskGroupTest {
  private final ExecutorService executor = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  @Test
  void theFirstFailureInterruptsTheTasksStillRunning() throws Exception {
    TaskGroup group = new TaskGroup(executor);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    CompletableFuture<String> slow =
        group.submit(
            () -> {
              started.countDown();
              try {
                Thread.sleep(60_000);
                return "finished";
              } catch (InterruptedException e) {
                interrupted.countDown();
                throw new InterruptedIOException("stopped");
              }
            });
    CompletableFuture<String> failing =
        group.submit(
            () -> {
              try {
                started.await();
              } catch (InterruptedException e) {
                throw new InterruptedIOException();
              }
              throw new IOException("upload failed");
            });

    long start = System.nanoTime();
    assertThatThrownBy(() -> group.joinAll(List.of(slow, failing)))
        .as("the real failure, not the interruption it caused")
        .isInstanceOf(IOException.class)
        .hasMessage("upload failed");
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start))
        .as("no wait for the slow task")
        .isLessThan(10);
    assertThat(interrupted.await(10, TimeUnit.SECONDS))
        .as("the slow task was interrupted")
        .isTrue();
  }

  @Test
  void tasksNotYetStartedNeverRunAndTheirFuturesEnd() throws Exception {
    ExecutorService one = Executors.newSingleThreadExecutor();
    try {
      TaskGroup group = new TaskGroup(one);
      CountDownLatch started = new CountDownLatch(1);
      AtomicBoolean ran = new AtomicBoolean();
      CompletableFuture<Void> blocking =
          group.submit(
              () -> {
                started.countDown();
                try {
                  Thread.sleep(60_000);
                } catch (InterruptedException e) {
                  throw new InterruptedIOException("stopped");
                }
                return null;
              });
      CompletableFuture<Void> queued =
          group.submit(
              () -> {
                ran.set(true);
                return null;
              });
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      group.cancel();
      assertThat(queued).as("nothing waits forever for a task that never ran").isCancelled();
      CompletableFuture<Void> later =
          group.submit(
              () -> {
                ran.set(true);
                return null;
              });
      assertThat(later).isCancelled();
      assertThatThrownBy(() -> Futures.join(blocking)).isInstanceOf(InterruptedIOException.class);
      one.shutdown();
      assertThat(one.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      assertThat(ran).as("queued and later tasks did not run").isFalse();
    } finally {
      one.shutdownNow();
    }
  }

  @Test
  void nestedGroupsReportTheRootCause() throws Exception {
    TaskGroup group = new TaskGroup(executor);
    CompletableFuture<Void> outer =
        group.submit(
            () -> {
              CompletableFuture<Void> slow =
                  group.submit(
                      () -> {
                        try {
                          Thread.sleep(60_000);
                        } catch (InterruptedException e) {
                          throw new InterruptedIOException("interrupted");
                        }
                        return null;
                      });
              CompletableFuture<Void> bad =
                  group.submit(
                      () -> {
                        throw new IOException("blob rejected");
                      });
              group.joinAll(List.of(slow, bad));
              return null;
            });
    CompletableFuture<Void> sibling =
        group.submit(
            () -> {
              try {
                Thread.sleep(60_000);
              } catch (InterruptedException e) {
                throw new InterruptedIOException("interrupted");
              }
              return null;
            });
    assertThatThrownBy(() -> group.joinAll(List.of(sibling, outer))).hasMessage("blob rejected");
  }

  @Test
  void resultsComeInOrder() throws Exception {
    TaskGroup group = new TaskGroup(executor);
    CompletableFuture<Integer> a =
        group.submit(
            () -> {
              try {
                Thread.sleep(50);
              } catch (InterruptedException e) {
                throw new InterruptedIOException();
              }
              return 1;
            });
    CompletableFuture<Integer> b = group.submit(() -> 2);
    assertThat(group.joinAll(List.of(a, b))).containsExactly(1, 2);
  }

  @Test
  void anInterruptedWaitCancelsTheGroup() throws Exception {
    TaskGroup group = new TaskGroup(executor);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    CompletableFuture<Void> slow =
        group.submit(
            () -> {
              started.countDown();
              try {
                Thread.sleep(60_000);
              } catch (InterruptedException e) {
                interrupted.countDown();
              }
              return null;
            });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> group.joinAll(List.of(slow)))
          .isInstanceOf(InterruptedIOException.class);
    } finally {
      Thread.interrupted();
    }
    assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
  }
}
