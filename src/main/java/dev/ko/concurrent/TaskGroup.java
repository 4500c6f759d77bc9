package dev.ko.concurrent;

import dev.ko.concurrent.Futures.IoFunction;
import dev.ko.concurrent.Futures.IoTask;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one structured-concurrency primitive: tasks run on a shared, bounded executor as a group that
 * is stopped as a whole. Work that depends on other work is composed, never waited for: {@link
 * #then} and {@link #thenCompose} start a task once its input is complete, and {@link Slots} hand
 * out permits before a task is submitted. So no pool thread ever waits for a queued task or a
 * permit, and any pool size, one thread included, completes every group.
 *
 * <p>{@link #cancel()} stops the group: tasks not yet started never start (their futures end
 * cancelled), running ones are interrupted (which kills their child processes and aborts their
 * requests), permits being waited for are given up, and the returned future completes once every
 * running task has returned, so nothing the group started still touches a file. Child groups are
 * stopped with their parent. Only a thread outside the pool may block, in {@link #join}.
 */
public final class TaskGroup implements Executor {
  private final Executor executor;
  private final Object lock = new Object();
  private final Set<Entry<?>> entries = new LinkedHashSet<>();
  private final Set<CompletableFuture<?>> waiting = new LinkedHashSet<>();
  private final List<TaskGroup> children = new ArrayList<>();
  private boolean cancelled;

  public TaskGroup(Executor executor) {
    this.executor = executor;
  }

  /** A group on the same executor that is cancelled with this one, and may be cancelled alone. */
  public TaskGroup child() {
    TaskGroup child = new TaskGroup(executor);
    synchronized (lock) {
      if (cancelled) {
        child.cancelled = true;
      } else {
        children.add(child);
      }
    }
    return child;
  }

  /** Runs the task on the executor; its result or failure completes the returned future. */
  public <T> CompletableFuture<T> fork(IoTask<T> task) {
    Entry<T> entry = new Entry<>(task);
    synchronized (lock) {
      if (cancelled) {
        entry.result.cancel(false);
        return entry.result;
      }
      entries.add(entry);
    }
    try {
      executor.execute(entry.future);
    } catch (RejectedExecutionException e) {
      if (entry.claimed.compareAndSet(false, true)) {
        entry.result.completeExceptionally(new InterruptedIOException("shutting down"));
        entry.finish();
      }
    }
    return entry.result;
  }

  /** Runs the task once {@code slots} grants a permit, and gives the permit back when it ends. */
  public <T> CompletableFuture<T> fork(Slots slots, IoTask<T> task) {
    return fork(List.of(slots), permits -> task.call());
  }

  /** A task that holds permits, and may give some back before it ends. */
  @FunctionalInterface
  public interface PermitTask<T> {
    T call(List<Slots.Permit> permits) throws IOException;
  }

  /**
   * Runs the task once each of {@code slots} has granted a permit (asked for in order, so groups
   * asking for the same slots cannot hold each other up), and gives back every permit the task did
   * not release itself when it ends.
   */
  public <T> CompletableFuture<T> fork(List<Slots> slots, PermitTask<T> task) {
    CompletableFuture<List<Slots.Permit>> permits = CompletableFuture.completedFuture(List.of());
    for (Slots s : slots) {
      permits =
          permits.thenCompose(
              held -> {
                CompletableFuture<Slots.Permit> next = waitFor(s.acquire());
                // Registered for its effect; next itself carries the failure on.
                var unused =
                    next.whenComplete(
                        (p, e) -> {
                          if (e != null) {
                            held.forEach(Slots.Permit::release);
                          }
                        });
                return next.thenApply(
                    p -> {
                      List<Slots.Permit> more = new ArrayList<>(held);
                      more.add(p);
                      return more;
                    });
              });
    }
    // Until the task runs, a failure on the way (the group stopped) releases what was taken.
    return permits.thenCompose(
        held -> {
          CompletableFuture<T> result = fork(() -> task.call(held));
          // Registered for its effect; result itself is what the caller gets.
          var unused = result.whenComplete((v, e) -> held.forEach(Slots.Permit::release));
          return result;
        });
  }

  /** A permit being waited for, given up when the group stops. */
  private CompletableFuture<Slots.Permit> waitFor(CompletableFuture<Slots.Permit> permit) {
    synchronized (lock) {
      if (cancelled) {
        permit.cancel(false);
      } else {
        waiting.add(permit);
      }
    }
    // Registered for its effect. The set holds these very futures: CompletableFuture keeps
    // Object's identity equals, which is the equality wanted here.
    @SuppressWarnings("CollectionUndefinedEquality")
    var unused =
        permit.whenComplete(
            (p, e) -> {
              synchronized (lock) {
                waiting.remove(permit);
              }
            });
    return permit;
  }

  /** Runs {@code next} on the executor with the value of {@code input}, once it has one. */
  public <T, R> CompletableFuture<R> then(
      CompletableFuture<T> input, IoFunction<? super T, ? extends R> next) {
    return input.thenCompose(value -> fork(() -> next.apply(value)));
  }

  /** As {@link #then}, for a step that itself returns a future. */
  public <T, R> CompletableFuture<R> thenCompose(
      CompletableFuture<T> input, IoFunction<? super T, CompletableFuture<R>> next) {
    @SuppressWarnings("FutureReturnValueIgnored") // a nested future, flattened right below
    CompletableFuture<CompletableFuture<R>> nested = then(input, next);
    return nested.thenCompose(f -> f);
  }

  /** Runs a runnable as a task of this group, so that APIs taking an Executor stay structured. */
  @Override
  public void execute(Runnable command) {
    // Executor.execute has no result to hand on: the task's future is the group's alone.
    var unused =
        fork(
            () -> {
              command.run();
              return null;
            });
  }

  /**
   * Waits, on a thread outside the pool, for a future of this group. If it fails, the group is
   * stopped and waited for before its failure is rethrown, so the caller sees the first failure and
   * not the interruptions it caused; an interrupted wait stops the group too.
   */
  public <T> T join(CompletableFuture<T> future) throws IOException {
    try {
      return Futures.join(future);
    } catch (IOException | RuntimeException | Error e) {
      try {
        cancelAndWait();
      } catch (InterruptedIOException again) {
        e.addSuppressed(again);
      }
      throw e;
    }
  }

  /**
   * Stops the group (see the class comment). The returned future completes when every task that was
   * running, in this group and its children, has returned.
   */
  public CompletableFuture<Void> cancel() {
    List<Entry<?>> all;
    List<CompletableFuture<?>> permits;
    List<TaskGroup> kids;
    synchronized (lock) {
      cancelled = true;
      all = List.copyOf(entries);
      permits = List.copyOf(waiting);
      kids = List.copyOf(children);
    }
    permits.forEach(p -> p.cancel(false));
    List<CompletableFuture<Void>> running = new ArrayList<>();
    for (Entry<?> e : all) {
      if (e.claimed.compareAndSet(false, true)) {
        e.result.cancel(false); // never ran and never will
        e.finish();
      } else {
        e.future.cancel(true);
        running.add(e.finished);
      }
    }
    for (TaskGroup kid : kids) {
      running.add(kid.cancel());
    }
    return CompletableFuture.allOf(running.toArray(CompletableFuture[]::new));
  }

  /** {@link #cancel()}, then waits (on a thread outside the pool) until running tasks returned. */
  public void cancelAndWait() throws InterruptedIOException {
    try {
      cancel().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while stopping tasks");
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("waiting for stopped tasks failed", e);
    }
  }

  /**
   * The future's value, delivered only once {@code cleanup} (say, a child group's {@link #cancel})
   * has completed, so nothing it stops is still running when the caller moves on. A failure is
   * delivered at once (the cleanup is started all the same): whoever joins it stops and waits for
   * the whole group anyway, and must not be kept from seeing why.
   */
  public static <T> CompletableFuture<T> succeedAfter(
      CompletableFuture<T> future, java.util.function.Supplier<CompletableFuture<?>> cleanup) {
    CompletableFuture<T> out = new CompletableFuture<>();
    // Registered for its effect, which is to complete out.
    var unusedDelivery =
        future.whenComplete(
            (value, failure) -> {
              if (failure != null) {
                out.completeExceptionally(failure); // first, so the failure is what waiters see
                // Started, not waited for: whoever handles the failure stops and waits for the
                // group.
                CompletableFuture<?> unused = cleanup.get();
              } else {
                var unused = cleanup.get().whenComplete((v, e) -> out.complete(value));
              }
            });
    return out;
  }

  /**
   * Every value in order, or the first failure as soon as it happens (without waiting for the
   * others: whoever joins the result stops them).
   */
  public static <T> CompletableFuture<List<T>> all(
      List<? extends CompletableFuture<? extends T>> futures) {
    CompletableFuture<List<T>> out = new CompletableFuture<>();
    for (CompletableFuture<? extends T> f : futures) {
      // Registered for its effect, which is to fail out.
      var unused =
          f.whenComplete(
              (v, e) -> {
                if (e != null) {
                  out.completeExceptionally(e);
                }
              });
    }
    // Registered for its effect, which is to complete out.
    var unused =
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
            .thenRun(
                () -> {
                  List<T> values = new ArrayList<>(futures.size());
                  futures.forEach(f -> values.add(f.join()));
                  out.complete(values);
                });
    return out;
  }

  /** One task: claimed once, either by the pool thread that runs it or by {@link #cancel()}. */
  private final class Entry<T> {
    final CompletableFuture<T> result = new CompletableFuture<>();
    final CompletableFuture<Void> finished = new CompletableFuture<>();
    final AtomicBoolean claimed = new AtomicBoolean();
    final FutureTask<Void> future;

    Entry(IoTask<T> task) {
      this.future =
          new FutureTask<>(
              () -> {
                if (!claimed.compareAndSet(false, true)) {
                  return; // cancelled before it started
                }
                try {
                  result.complete(task.call());
                } catch (IOException | RuntimeException | Error e) {
                  result.completeExceptionally(e);
                } finally {
                  finish();
                }
              },
              null);
    }

    void finish() {
      synchronized (lock) {
        entries.remove(this);
      }
      finished.complete(null);
    }
  }
}
