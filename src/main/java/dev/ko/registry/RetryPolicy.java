package dev.ko.registry;

import dev.ko.log.Log;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * When a temporary failure (see {@link Failures#isTemporary}) is tried again, and after how long:
 * within a budget of time for the request or sequence, counted from its first try (the tries
 * themselves included), waiting {@code firstWait}, then twice as long each time up to {@code
 * maxWait}, each wait jittered down by up to half so that parallel requests do not come back
 * together. A registry's {@code Retry-After} is honoured up to {@code maxRetryAfter}. No wait goes
 * past the budget. Which failures are temporary is not the policy's business.
 *
 * <p>The budget runs from the first try of a request or manifest PUT (a silent registry spends it
 * in one try), and from the first failure of a blob upload.
 *
 * @param ticker the clock and the sleeping (tests pass one that only counts)
 * @param jitter a fraction in [0, 1) per wait
 */
record RetryPolicy(
    Duration budget,
    Duration firstWait,
    Duration maxWait,
    Duration maxRetryAfter,
    Ticker ticker,
    DoubleSupplier jitter) {
  /** The longest wait between two tries, however many failed. */
  static final Duration MAX_WAIT = Duration.ofSeconds(5);

  /** The longest {@code Retry-After} honoured. */
  static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(10);

  /** Time as the policy sees it. */
  interface Ticker {
    long nanoTime();

    /** Waits before the next try; interruptible, so a cancelled build stops waiting at once. */
    void sleep(Duration wait) throws InterruptedIOException;

    Ticker SYSTEM =
        new Ticker() {
          @Override
          public long nanoTime() {
            return System.nanoTime();
          }

          @Override
          public void sleep(Duration wait) throws InterruptedIOException {
            try {
              Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new InterruptedIOException("interrupted while waiting to retry");
            }
          }
        };
  }

  /** The policy of a run: its budget and first wait, real time, random jitter. */
  static RetryPolicy of(Duration budget, Duration firstWait) {
    return new RetryPolicy(
        budget,
        firstWait,
        MAX_WAIT,
        MAX_RETRY_AFTER,
        Ticker.SYSTEM,
        () -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * A fresh schedule for one request, or one whole sequence, starting now; it counts what that one
   * has spent.
   */
  Schedule schedule() {
    return new Schedule(ticker.nanoTime());
  }

  /**
   * A fresh schedule whose budget starts at the first failure: for an upload, whose first try may
   * rightly take longer than the whole budget.
   */
  Schedule fromFirstFailure() {
    return new Schedule(Long.MIN_VALUE);
  }

  /** The tries of one request or sequence. Not thread-safe: one caller owns it. */
  final class Schedule {
    private long start;
    private int failed;

    private Schedule(long start) {
      this.start = start;
    }

    /**
     * After a temporary failure of {@code what} (a request, {@code "GET https://..."}, or a
     * sequence), waits for the next try, or throws what says that the tries are spent: a {@link
     * RegistryException} when the last failure was the registry's answer, else {@link
     * RetriesSpent}. The debug log says what is retried and why.
     */
    void retry(String what, IOException failure, Log log) throws IOException {
      Optional<Duration> wait = next(failure);
      if (wait.isEmpty()) {
        throw spent(what, failure);
      }
      log.debug(
          "retrying "
              + what
              + " in "
              + wait.get().toMillis()
              + " ms after: "
              + reason(what, failure));
      ticker.sleep(wait.get());
    }

    /** The wait before the next try, or empty when the budget is spent. */
    Optional<Duration> next(IOException failure) {
      if (start == Long.MIN_VALUE) {
        start = ticker.nanoTime();
      }
      failed++;
      Duration elapsed = elapsed();
      Duration left = budget.minus(elapsed);
      if (left.isNegative() || left.isZero()) {
        return Optional.empty();
      }
      Duration wait = retryAfter(failure).orElseGet(this::backoff);
      return Optional.of(wait.compareTo(left) > 0 ? left : wait);
    }

    /** How many tries failed so far. */
    int failed() {
      return failed;
    }

    Duration elapsed() {
      return Duration.ofNanos(ticker.nanoTime() - start);
    }

    private Optional<Duration> retryAfter(IOException failure) {
      if (failure instanceof RegistryException r && r.retryAfter().isPresent()) {
        Duration asked = r.retryAfter().get();
        return Optional.of(asked.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : asked);
      }
      return Optional.empty();
    }

    private Duration backoff() {
      int doublings = Math.min(failed - 1, 30);
      Duration w = firstWait.multipliedBy(1L << doublings);
      if (w.compareTo(maxWait) > 0 || w.isNegative()) {
        w = maxWait;
      }
      long nanos = w.toNanos();
      return Duration.ofNanos(nanos - (long) (nanos * 0.5 * jitter.getAsDouble()));
    }

    private IOException spent(String what, IOException last) {
      String message =
          what
              + " failed after "
              + failed
              + (failed == 1 ? " attempt" : " attempts")
              + " in "
              + String.format(Locale.ROOT, "%.1fs", elapsed().toMillis() / 1000.0)
              + ": "
              + reason(what, last);
      if (last instanceof RegistryException r) {
        return r.spent(message);
      }
      return new RetriesSpent(message, last);
    }
  }

  /** The last failure's message, without the request it names when that is {@code what}. */
  private static String reason(String what, IOException last) {
    String m = last instanceof RegistryException ? last.getMessage() : Failures.describe(last);
    return m.startsWith(what + ": ") ? m.substring(what.length() + 2) : m;
  }
}
