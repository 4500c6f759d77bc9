package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.concurrent.Futures;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stopping a build's tasks: every result completes, nothing runs after the group is stopped. */
class TaskGroupTest {
  private final ExecutorService executor = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  /** A task that runs until it is interrupted, then says so. */
  private static Futures.IoTask<String> blocking(
      CountDownLatch started, AtomicBoolean interrupted) {
    return () -> {
      started.countDown();
      try {
        Thread.sleep(60_000);
        return "slept";
      } catch (InterruptedException e) {
        interrupted.set(true);
        throw new InterruptedIOException("stopped");
      }
    };
  }

  @Test
  void aTaskStoppedBeforeItStartedHasItsResultCancelled() throws Exception {
    TaskGroup group = new TaskGroup(executor);
    CountDownLatch started = new CountDownLatch(2);
    AtomicBoolean interrupted = new AtomicBoolean();
    // Both threads busy: the third task waits in the queue.
    CompletableFuture<String> a = group.submit(blocking(started, interrupted));
    CompletableFuture<String> b = group.submit(blocking(started, new AtomicBoolean()));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    AtomicBoolean queuedRan = new AtomicBoolean();
    CompletableFuture<String> queued =
        group.submit(
            () -> {
              queuedRan.set(true);
              return "ran";
            });

    group.cancelAndWait();

    assertThat(interrupted).isTrue();
    assertThat(a).isCompletedExceptionally();
    assertThat(b).isCompletedExceptionally();
    assertThat(queued).as("whoever waits for it must not hang").isCancelled();
    assertThatThrownBy(() -> Futures.join(queued)).isInstanceOf(InterruptedIOException.class);
    Thread.sleep(200);
    assertThat(queuedRan).isFalse();
  }

  @Test
  void aTaskSubmittedWhileTheGroupStopsNeverRuns() throws Exception {
    TaskGroup group = new TaskGroup(executor);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch followUpRan = new CountDownLatch(1);
    AtomicReference<CompletableFuture<String>> followUp = new AtomicReference<>();
    // Like an image task that asks for one more binary as it is being stopped.
    group.submit(
        () -> {
          started.countDown();
          try {
            Thread.sleep(60_000);
          } catch (InterruptedException e) {
            followUp.set(
                group.submit(
                    () -> {
                      followUpRan.countDown();
                      return "ran";
                    }));
          }
          return "done";
        });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    group.cancelAndWait();

    assertThat(followUp.get()).isCancelled();
    assertThat(followUpRan.await(500, TimeUnit.MILLISECONDS))
        .as("ran after cancelAndWait returned")
        .isFalse();
    assertThat(group.submit(() -> "late")).isCancelled();
  }

  @Test
  void joinAllThrowsTheFirstFailureWithoutWaitingForTheOthers() {
    CompletableFuture<String> slow = new CompletableFuture<>();
    CompletableFuture<String> failing = new CompletableFuture<>();
    executor.execute(
        () ->
            failing.completeExceptionally(
                new java.io.UncheckedIOException(new IOException("platform 2 failed"))));
    long start = System.nanoTime();
    assertThatThrownBy(() -> TaskGroup.joinAll(List.of(slow, failing)))
        .isInstanceOf(IOException.class)
        .hasMessage("platform 2 failed");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
    assertThat(slow).isNotDone();
  }

  @Test
  void joinAllKeepsTheOrder() throws Exception {
    CompletableFuture<String> first = new CompletableFuture<>();
    CompletableFuture<String> second = CompletableFuture.completedFuture("b");
    executor.execute(() -> first.complete("a"));
    assertThat(TaskGroup.joinAll(List.of(first, second))).containsExactly("a", "b");
  }
}
