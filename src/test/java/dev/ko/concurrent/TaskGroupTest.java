package dev.ko.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.concurrent.Futures.IoTask;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Forking, composing, failing and stopping: every result completes, nothing runs once stopped. */
class TaskGroupTest {
  private final ExecutorService executor = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  /** A task that runs until it is interrupted, then says so. */
  private static <T> IoTask<T> untilInterrupted(CountDownLatch started, CountDownLatch stopped) {
    return () -> {
      started.countDown();
      try {
        new CountDownLatch(1).await();
        throw new AssertionError("unreachable");
      } catch (InterruptedException e) {
        stopped.countDown();
        throw new InterruptedIOException("stopped");
      }
    };
  }

  @Test
  void theFirstFailureStopsTheTasksStillRunningAndIsTheOneReported() throws Exception {
    TaskGroup group = new TaskGroup(executor);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    CompletableFuture<String> slow = group.fork(untilInterrupted(started, interrupted));
    CompletableFuture<String> failing =
        group.fork(
            () -> {
              await(started);
              throw new IOException("upload failed");
            });

    assertThatThrownBy(() -> group.join(TaskGroup.all(List.of(slow, failing))))
        .as("the real failure, not the interruption it caused")
        .isInstanceOf(IOException.class)
        .hasMessage("upload failed");
    assertThat(interrupted.getCount()).as("join returned after the slow task stopped").isZero();
    assertThat(slow).isCompletedExceptionally();
  }

  @Test
  void aTaskStoppedBeforeItStartedNeverRunsAndItsFutureEnds() throws Exception {
    TaskGroup group = new TaskGroup(executor);
    CountDownLatch started = new CountDownLatch(2);
    CountDownLatch stopped = new CountDownLatch(2);
    // Both threads busy: the third task waits in the queue.
    CompletableFuture<String> a = group.fork(untilInterrupted(started, stopped));
    CompletableFuture<String> b = group.fork(untilInterrupted(started, stopped));
    await(started);
    AtomicBoolean queuedRan = new AtomicBoolean();
    CompletableFuture<String> queued =
        group.fork(
            () -> {
              queuedRan.set(true);
              return "ran";
            });

    group.cancelAndWait();

    assertThat(stopped.getCount()).as("cancelAndWait waited for the running tasks").isZero();
    assertThat(a).isCompletedExceptionally();
    assertThat(b).isCompletedExceptionally();
    assertThat(queued).as("whoever waits for it must not hang").isCancelled();
    assertThatThrownBy(() -> Futures.join(queued)).isInstanceOf(InterruptedIOException.class);
    assertThat(group.fork(() -> "late")).isCancelled();
    executor.shutdown();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(queuedRan).as("the queued task never ran, even once the pool drained").isFalse();
  }

  @Test
  void aTaskForkedWhileTheGroupStopsNeverRuns() throws Exception {
    TaskGroup group = new TaskGroup(executor);
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean followUpRan = new AtomicBoolean();
    AtomicReference<CompletableFuture<String>> followUp = new AtomicReference<>();
    // Like an image task that asks for one more binary as it is being stopped (its own result
    // is not what this test checks).
    var unused =
        group.fork(
            () -> {
              started.countDown();
              try {
                new CountDownLatch(1).await();
              } catch (InterruptedException e) {
                followUp.set(
                    group.fork(
                        () -> {
                          followUpRan.set(true);
                          return "ran";
                        }));
              }
              return "done";
            });
    await(started);

    group.cancelAndWait();

    assertThat(followUp.get()).isCancelled();
    executor.shutdown();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(followUpRan).isFalse();
  }

  @Test
  void allFailsAtTheFirstFailureWithoutWaitingForTheOthers() {
    CompletableFuture<String> slow = new CompletableFuture<>();
    CompletableFuture<String> failing = new CompletableFuture<>();
    executor.execute(() -> failing.completeExceptionally(new IOException("platform 2 failed")));
    assertThatThrownBy(() -> Futures.join(TaskGroup.all(List.of(slow, failing))))
        .isInstanceOf(IOException.class)
        .hasMessage("platform 2 failed");
    assertThat(slow).isNotDone();
  }

  @Test
  void allKeepsTheOrder() throws Exception {
    CompletableFuture<String> first = new CompletableFuture<>();
    CompletableFuture<String> second = CompletableFuture.completedFuture("b");
    CompletableFuture<List<String>> both = TaskGroup.all(List.of(first, second));
    assertThat(both).isNotDone();
    executor.execute(() -> first.complete("a"));
    assertThat(Futures.join(both)).containsExactly("a", "b");
  }

  @Test
  void composedStepsReportTheRootCause() throws Exception {
    // Two tasks run until stopped: two more threads let the failing one run.
    ExecutorService four = Executors.newFixedThreadPool(4);
    try {
      composedStepsReportTheRootCause(new TaskGroup(four));
    } finally {
      four.shutdownNow();
    }
  }

  private static void composedStepsReportTheRootCause(TaskGroup group) {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    CompletableFuture<Void> sibling = group.fork(untilInterrupted(started, stopped));
    CompletableFuture<String> outer =
        group.thenCompose(
            group.fork(() -> "manifest"),
            m ->
                TaskGroup.all(
                        List.of(
                            group.fork(untilInterrupted(new CountDownLatch(1), stopped)),
                            group.fork(
                                () -> {
                                  throw new IOException("blob rejected");
                                })))
                    .thenApply(values -> m));
    assertThatThrownBy(() -> group.join(TaskGroup.all(List.of(sibling.thenApply(v -> ""), outer))))
        .isInstanceOf(IOException.class)
        .hasMessage("blob rejected");
  }

  @Test
  void anInterruptedJoinStopsTheGroup() throws Exception {
    TaskGroup group = new TaskGroup(executor);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    CompletableFuture<Void> slow = group.fork(untilInterrupted(started, interrupted));
    await(started);
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> group.join(slow)).isInstanceOf(InterruptedIOException.class);
    } finally {
      Thread.interrupted();
    }
    assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aChildGroupStopsWithItsParentAndAloneWithoutIt() throws Exception {
    TaskGroup parent = new TaskGroup(executor);
    TaskGroup child = parent.child();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch childStopped = new CountDownLatch(1);
    CompletableFuture<String> inChild = child.fork(untilInterrupted(started, childStopped));
    await(started);
    child.cancel().get(10, TimeUnit.SECONDS);
    assertThat(inChild).isCompletedExceptionally();
    assertThat(parent.fork(() -> "still running")).succeedsWithin(10, TimeUnit.SECONDS);

    TaskGroup second = parent.child();
    CountDownLatch started2 = new CountDownLatch(1);
    CountDownLatch stopped2 = new CountDownLatch(1);
    CompletableFuture<String> inSecond = second.fork(untilInterrupted(started2, stopped2));
    await(started2);
    parent.cancelAndWait();
    assertThat(stopped2.getCount()).as("the parent waited for its child's task").isZero();
    assertThat(inSecond).isCompletedExceptionally();
    assertThat(parent.child().fork(() -> "late")).isCancelled();
  }

  @Test
  void succeedAfterDeliversAValueOnlyOnceTheCleanupIsDoneAndAFailureAtOnce() throws Exception {
    CompletableFuture<String> work = CompletableFuture.completedFuture("image");
    CompletableFuture<Void> cleanup = new CompletableFuture<>();
    CompletableFuture<String> out = TaskGroup.succeedAfter(work, () -> cleanup);
    assertThat(out).isNotDone();
    cleanup.complete(null);
    assertThat(out.get(10, TimeUnit.SECONDS)).isEqualTo("image");

    CompletableFuture<String> failed = CompletableFuture.failedFuture(new IOException("go build"));
    AtomicBoolean cleanedUp = new AtomicBoolean();
    CompletableFuture<String> failedOut =
        TaskGroup.succeedAfter(
            failed,
            () -> {
              cleanedUp.set(true);
              return new CompletableFuture<>(); // still stopping
            });
    assertThatThrownBy(() -> Futures.join(failedOut)).hasMessage("go build");
    assertThat(cleanedUp).as("the cleanup was started").isTrue();
  }

  /**
   * The executor rule: deep compositions and slot-limited work complete on a single thread, since
   * no task waits for another.
   */
  @Test
  void oneThreadCompletesNestedCompositionsAndSlots() throws Exception {
    ExecutorService one = Executors.newSingleThreadExecutor();
    try {
      TaskGroup group = new TaskGroup(one);
      Slots slots = new Slots(1);
      AtomicInteger running = new AtomicInteger();
      AtomicInteger peak = new AtomicInteger();
      List<CompletableFuture<Integer>> images = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        int n = i;
        CompletableFuture<Integer> binary =
            group.fork(
                slots,
                () -> {
                  peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                  running.decrementAndGet();
                  return n;
                });
        CompletableFuture<Integer> layer = group.fork(() -> 100);
        images.add(
            group.thenCompose(
                binary.thenCombine(layer, Integer::sum),
                sum -> group.then(group.fork(() -> sum), v -> v * 2)));
      }
      List<Integer> out = group.join(TaskGroup.all(images));
      assertThat(out).hasSize(20).startsWith(200, 202);
      assertThat(peak.get()).isEqualTo(1);
    } finally {
      one.shutdownNow();
    }
  }

  @Test
  void slotsBoundTheWorkInFlightAndPermitsComeBackOnFailureAndCancellation() throws Exception {
    ExecutorService many = Executors.newFixedThreadPool(8);
    try {
      TaskGroup group = new TaskGroup(many);
      Slots slots = new Slots(3);
      AtomicInteger running = new AtomicInteger();
      AtomicInteger peak = new AtomicInteger();
      CountDownLatch full = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      List<CompletableFuture<Integer>> work = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        int n = i;
        work.add(
            group.fork(
                slots,
                () -> {
                  int now = running.incrementAndGet();
                  peak.accumulateAndGet(now, Math::max);
                  if (now == 3) {
                    full.countDown();
                  }
                  try {
                    await(release);
                    if (n % 4 == 0) {
                      throw new IOException("blob " + n + " failed");
                    }
                    return n;
                  } finally {
                    running.decrementAndGet();
                  }
                }));
      }
      await(full); // eight threads, three permits: three run, the rest wait without a thread
      release.countDown();
      for (CompletableFuture<Integer> w : work) {
        w.handle((v, e) -> null).get(10, TimeUnit.SECONDS);
      }
      assertThat(peak.get()).isEqualTo(3);
      assertThat(work.get(4)).isCompletedExceptionally();
      assertThat(work.get(5)).isCompletedWithValue(5);

      // A group stopped while its tasks wait for permits gives them up: others get them.
      TaskGroup holder = new TaskGroup(many);
      CountDownLatch holding = new CountDownLatch(3);
      CountDownLatch holdersStopped = new CountDownLatch(3);
      for (int i = 0; i < 3; i++) {
        // They hold their permits until the group is stopped below.
        var unused = holder.fork(slots, untilInterrupted(holding, holdersStopped));
      }
      await(holding);
      TaskGroup waiter = new TaskGroup(many);
      CompletableFuture<String> queued = waiter.fork(slots, () -> "never");
      waiter.cancelAndWait();
      assertThat(queued).isCompletedExceptionally();
      holder.cancelAndWait();
      assertThat(new TaskGroup(many).fork(slots, () -> "after"))
          .succeedsWithin(10, TimeUnit.SECONDS);
    } finally {
      many.shutdownNow();
    }
  }

  private static void await(CountDownLatch latch) throws InterruptedIOException {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("timed out waiting for a latch");
      }
    } catch (InterruptedException e) {
      throw new InterruptedIOException();
    }
  }
}
