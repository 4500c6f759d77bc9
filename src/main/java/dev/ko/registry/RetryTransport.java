package dev.ko.registry;

import dev.ko.log.Log;
import java.io.IOException;
import java.net.http.HttpResponse;

/**
 * Sends an idempotent request again after a temporary failure (408, 429, 5xx, a reset or closed
 * connection, a reply cut off, silence past the timeout), as its {@link RetryPolicy} allows. When
 * the tries are spent the last failure is thrown, saying how many tries in how long. Other requests
 * pass once: an upload session's requests, and a manifest PUT, are retried as a whole sequence by
 * {@link BlobUploads} and {@link RegistryClient}.
 *
 * <p>A reply read into memory is read before this returns, so a body cut off is a failure here and
 * is fetched again; a streamed body is the caller's to read.
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
    String shown = request.shown();
    RetryPolicy.Schedule schedule = policy.schedule();
    while (true) {
      IOException failure;
      try {
        HttpResponse<T> r = next.send(request, handler);
        if (!RegistryException.isTemporary(r.statusCode())) {
          return r;
        }
        failure = Responses.failure(request.method(), Urls.shown(request.registry(), r.uri()), r);
      } catch (IOException e) {
        if (!Failures.isTemporary(e)) {
          throw e;
        }
        failure = e;
      }
      schedule.retry(shown, failure, log);
    }
  }
}
