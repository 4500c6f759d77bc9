package dev.ko.registry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.Optional;

/**
 * When a temporary failure (see {@link Failures#isTemporary}) is tried again, and after how long.
 * Which failures are temporary is not the policy's business; how many tries, how long they may take
 * together and how long to wait between them is.
 */
interface RetryPolicy {
  /**
   * A fresh schedule for one request, or one whole upload sequence; it counts what that one has
   * spent.
   */
  Schedule schedule();

  /** Waits before the next try; interruptible, so a cancelled build stops waiting at once. */
  default void pause(Duration wait) throws InterruptedIOException {
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to retry");
    }
  }

  /** The tries of one request or sequence. Not thread-safe: one caller owns it. */
  interface Schedule {
    /** The wait before the next try after a temporary I/O failure, or empty to give up. */
    Optional<Duration> afterError(IOException failure);

    /**
     * The wait before the next try after a temporary status (408, 429, 5xx), or empty to give up;
     * the headers may say when to come back.
     */
    Optional<Duration> afterStatus(int status, HttpHeaders headers);
  }

  /**
   * A number of tries in all, waiting 1x, 3x, 9x ... the base delay between them, as
   * go-containerregistry backs off.
   */
  static RetryPolicy attempts(int attempts, Duration base) {
    return new Attempts(attempts, base);
  }

  /** {@link #attempts}. */
  record Attempts(int attempts, Duration base) implements RetryPolicy {
    @Override
    public Schedule schedule() {
      return new Schedule() {
        private int failed;

        @Override
        public Optional<Duration> afterError(IOException failure) {
          return next();
        }

        @Override
        public Optional<Duration> afterStatus(int status, HttpHeaders headers) {
          return next();
        }

        private Optional<Duration> next() {
          failed++;
          if (failed >= attempts) {
            return Optional.empty();
          }
          return Optional.of(base.multipliedBy((long) Math.pow(3, failed - 1)));
        }
      };
    }
  }
}
