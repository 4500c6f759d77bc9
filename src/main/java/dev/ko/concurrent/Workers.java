package dev.ko.concurrent;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The one executor of a run: a fixed number of daemon threads, tasks queued beyond them. */
public final class Workers {
  private Workers() {}

  /**
   * How many threads a run with {@code jobs} concurrent go builds uses: one per build and one per
   * blob upload (at least {@code minUploads}), which is as much parallel work as a run has;
   * anything else queues.
   */
  public static int threadsFor(int jobs, int minUploads) {
    return jobs + Math.max(minUploads, jobs);
  }

  /** A pool of {@code threads} daemon threads named {@code ko-worker-N}, started as needed. */
  public static ExecutorService pool(int threads) {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "ko-worker-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
