package dev.ko.registry;

import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * Fails a reply's body when the registry goes silent: no bytes for {@code limit} while the reader
 * is asking for more (a reader that is busy elsewhere is not silence). The JDK's request timeout
 * ends with the reply's headers; this covers the body after them. The check runs on the JDK's delay
 * timer and does no blocking work.
 */
final class SilenceWatch {
  private SilenceWatch() {}

  /** {@code handler}'s bodies, each failed after {@code limit} of silence from {@code host}. */
  static <T> HttpResponse.BodyHandler<T> watched(
      HttpResponse.BodyHandler<T> handler, Duration limit, String host) {
    return info -> new Watched<>(handler.apply(info), limit, host);
  }

  /** A duration as the messages show it: {@code 30s}, {@code 1.5s}. */
  static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + "s" : String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
  }

  private static final class Watched<T> implements HttpResponse.BodySubscriber<T> {
    private final HttpResponse.BodySubscriber<T> down;
    private final long limit;
    private final String host;
    private Flow.Subscription subscription;
    private long demand;
    private long last = System.nanoTime();
    private boolean finished;

    Watched(HttpResponse.BodySubscriber<T> down, Duration limit, String host) {
      this.down = down;
      this.limit = limit.toNanos();
      this.host = host;
    }

    @Override
    public CompletionStage<T> getBody() {
      return down.getBody();
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      synchronized (this) {
        subscription = s;
        last = System.nanoTime();
      }
      down.onSubscribe(
          new Flow.Subscription() {
            @Override
            public void request(long n) {
              synchronized (Watched.this) {
                if (demand == 0) {
                  last = System.nanoTime();
                }
                demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
              }
              s.request(n);
            }

            @Override
            public void cancel() {
              synchronized (Watched.this) {
                finished = true;
              }
              s.cancel();
            }
          });
      later(limit);
    }

    @Override
    public synchronized void onNext(List<ByteBuffer> item) {
      if (finished) {
        return;
      }
      last = System.nanoTime();
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      down.onNext(item);
    }

    @Override
    public synchronized void onError(Throwable throwable) {
      if (!finished) {
        finished = true;
        down.onError(throwable);
      }
    }

    @Override
    public synchronized void onComplete() {
      if (!finished) {
        finished = true;
        down.onComplete();
      }
    }

    private void later(long nanos) {
      CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS, Runnable::run)
          .execute(this::check);
    }

    private void check() {
      long wait;
      synchronized (this) {
        if (finished) {
          return;
        }
        long now = System.nanoTime();
        long idle = demand == 0 ? 0 : now - last;
        if (demand == 0) {
          last = now;
        }
        if (idle < limit) {
          wait = limit - idle;
        } else {
          finished = true;
          // The reader learns why first; then the exchange is given up.
          down.onError(
              new HttpTimeoutException(
                  "no data for " + seconds(Duration.ofNanos(limit)) + " from " + host));
          subscription.cancel();
          return;
        }
      }
      later(wait);
    }
  }
}
