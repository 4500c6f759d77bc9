package dev.ko.registry;

import dev.ko.log.Log;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Sends an idempotent request again after a temporary failure (408, 429, 5xx, a reset or closed
 * connection), as its {@link RetryPolicy} allows; the last response or failure is the answer. Other
 * requests pass once: an upload session's requests are retried as a whole sequence by {@link
 * RegistryClient}, with a new session.
 */
final class RetryTransport implements Transport {
  private final Transport next;
  private final RetryPolicy policy;
  private final Log log;

  RetryTransport(Transport next, RetryPolicy policy, Log log) {
    this.next = next;
    this.policy = policy;
    this.log = log;
  }

  @Override
  public <T> HttpResponse<T> send(Request request, HttpResponse.BodyHandler<T> handler)
      throws IOException {
    if (!request.idempotent()) {
      return next.send(request, handler);
    }
    RetryPolicy.Schedule schedule = policy.schedule();
    while (true) {
      HttpResponse<T> r;
      try {
        r = next.send(request, handler);
      } catch (IOException e) {
        Optional<Duration> wait =
            Failures.isTemporary(e) ? schedule.afterError(e) : Optional.empty();
        if (wait.isEmpty()) {
          throw e;
        }
        log.debug("retrying " + request.shown() + " after " + Failures.describe(e));
        policy.pause(wait.get());
        continue;
      }
      int status = r.statusCode();
      if (!RegistryException.isTemporary(status)) {
        return r;
      }
      Optional<Duration> wait = schedule.afterStatus(status, r.headers());
      if (wait.isEmpty()) {
        return r;
      }
      Responses.discard(r);
      log.debug("retrying " + request.shown() + " after status " + status);
      policy.pause(wait.get());
    }
  }
}
