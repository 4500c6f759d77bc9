package dev.ko.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A request body that the sending thread reads from its stream and hands to the HTTP client, a few
 * chunks ahead of the client's demand. The JDK's own stream publisher reads in the client's
 * threads; those are few ({@link HttpTransport}), and a blob streamed from a download of the same
 * client would have them wait for a delivery only they can make.
 */
final class StreamedBody implements Flow.Publisher<ByteBuffer> {
  private static final int CHUNK = 64 * 1024;
  private static final int AHEAD = 4;

  private final Object lock = new Object();
  private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
  private Flow.Subscriber<? super ByteBuffer> subscriber;
  private long demand;
  private boolean ended;
  private Throwable failure;
  private boolean done;
  private boolean delivering;

  @Override
  public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
    synchronized (lock) {
      if (subscriber != null) {
        s.onSubscribe(
            new Flow.Subscription() {
              @Override
              public void request(long n) {}

              @Override
              public void cancel() {}
            });
        s.onError(new IllegalStateException("a streamed body is sent once"));
        return;
      }
      subscriber = s;
    }
    s.onSubscribe(
        new Flow.Subscription() {
          @Override
          public void request(long n) {
            synchronized (lock) {
              if (n <= 0) {
                failure = new IllegalArgumentException("non-positive demand " + n);
              } else {
                demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
              }
              lock.notifyAll();
            }
            drain();
          }

          @Override
          public void cancel() {
            stop();
          }
        });
    drain();
  }

  /**
   * Reads {@code in} into the client in the calling thread, until it is read, the client stops
   * asking or the exchange ends (a registry may answer before it has read the body).
   *
   * @param silence how long the client may take no chunk before the exchange is given up
   * @throws IOException from reading {@code in}, or when the client stalls; the client is told, so
   *     the request is abandoned
   */
  void feed(InputStream in, Future<?> exchange, Duration silence)
      throws IOException, InterruptedException {
    while (true) {
      synchronized (lock) {
        long deadline = System.nanoTime() + silence.toNanos();
        while (queue.size() >= AHEAD && !done && !exchange.isDone()) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            HttpTimeoutException stalled =
                new HttpTimeoutException(
                    "no progress sending the body for " + SilenceWatch.seconds(silence));
            abandonLocked(stalled);
            throw stalled;
          }
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        }
        if (done || exchange.isDone()) {
          return;
        }
      }
      byte[] chunk = new byte[CHUNK];
      int n;
      try {
        n = in.readNBytes(chunk, 0, CHUNK);
      } catch (IOException | RuntimeException e) {
        abandon(e);
        throw e;
      }
      synchronized (lock) {
        if (n > 0) {
          queue.add(ByteBuffer.wrap(chunk, 0, n));
        }
        if (n < CHUNK) {
          ended = true;
        }
      }
      drain();
      if (n < CHUNK) {
        return;
      }
    }
  }

  /** Fails the request with {@code cause} (the source broke, or the sender was interrupted). */
  void abandon(Throwable cause) {
    synchronized (lock) {
      abandonLocked(cause);
    }
    drain();
  }

  private void abandonLocked(Throwable cause) {
    if (failure == null) {
      failure = cause;
    }
  }

  /** Wakes the feeding thread: the exchange ended, or the client cancelled. */
  void stop() {
    synchronized (lock) {
      done = true;
      queue.clear();
      lock.notifyAll();
    }
  }

  /**
   * Delivers what the client asked for and what is queued, in one thread at a time; a thread that
   * finds another delivering leaves the work to it, which looks again before it stops.
   */
  private void drain() {
    while (true) {
      Flow.Subscriber<? super ByteBuffer> s;
      ByteBuffer next = null;
      Throwable error = null;
      synchronized (lock) {
        if (delivering || subscriber == null || done) {
          return;
        }
        if (failure != null) {
          error = failure;
          done = true;
          queue.clear();
        } else if (demand > 0 && !queue.isEmpty()) {
          next = queue.poll();
          demand--;
        } else if (ended && queue.isEmpty()) {
          done = true;
        } else {
          return;
        }
        delivering = true;
        s = subscriber;
        lock.notifyAll();
      }
      try {
        if (next != null) {
          s.onNext(next);
        } else if (error != null) {
          s.onError(error);
        } else {
          s.onComplete();
        }
      } finally {
        synchronized (lock) {
          delivering = false;
        }
      }
    }
  }
}
