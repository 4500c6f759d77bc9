package dev.ko.concurrent;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A semaphore that never blocks: {@link #acquire()} returns a future that completes with a permit
 * when one is free, so a task is submitted only once it may run (see {@link TaskGroup#fork(Slots,
 * dev.ko.concurrent.Futures.IoTask)}). Bounds how many go builds or blob uploads run at once
 * without parking pool threads.
 */
public final class Slots {
  private final int permits;
  private final Queue<CompletableFuture<Permit>> waiters = new ArrayDeque<>();
  private int inUse;

  public Slots(int permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("slots must be at least 1, got " + permits);
    }
    this.permits = permits;
  }

  /** How many permits there are in all. */
  public int size() {
    return permits;
  }

  /** A permit now if one is free, else once one is released; cancel the future to stop waiting. */
  public CompletableFuture<Permit> acquire() {
    CompletableFuture<Permit> waiter = new CompletableFuture<>();
    synchronized (waiters) {
      if (inUse < permits) {
        inUse++;
      } else {
        waiters.add(waiter);
        return waiter;
      }
    }
    waiter.complete(new Permit());
    return waiter;
  }

  /** Hands the permit to the next waiter that still wants one, else returns it to the pool. */
  private void handOver() {
    while (true) {
      CompletableFuture<Permit> next;
      synchronized (waiters) {
        next = waiters.poll();
        if (next == null) {
          inUse--;
          return;
        }
      }
      // Completed outside the lock: the waiter's continuation (submitting its task) runs here.
      if (next.complete(new Permit())) {
        return;
      }
    }
  }

  /** One permit; releasing it twice releases it once. */
  public final class Permit {
    private final AtomicBoolean released = new AtomicBoolean();

    private Permit() {}

    public void release() {
      if (released.compareAndSet(false, true)) {
        handOver();
      }
    }
  }
}
