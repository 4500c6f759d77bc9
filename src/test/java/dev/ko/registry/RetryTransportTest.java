package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.name.Registry;
import dev.ko.registry.StubRegistry.Response;
import dev.ko.testing.RecordingLog;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link RetryTransport} and today's {@link RetryPolicy}, with waits recorded, not slept. */
class RetryTransportTest {
  private final RecordingLog log = new RecordingLog();
  private final List<Duration> waits = new ArrayList<>();
  private StubRegistry stub;

  /** Three tries, 10 ms base delay; it records its waits instead of sleeping. */
  private final RetryPolicy policy =
      new RetryPolicy() {
        private final RetryPolicy today = RetryPolicy.attempts(3, Duration.ofMillis(10));

        @Override
        public Schedule schedule() {
          return today.schedule();
        }

        @Override
        public void pause(Duration wait) {
          waits.add(wait);
        }
      };

  @AfterEach
  void stop() {
    if (stub != null) {
      stub.close();
    }
  }

  /** A stub answering the given statuses in turn, then 200. */
  private StubRegistry answering(Integer... statuses) throws IOException {
    Deque<Integer> queue = new ArrayDeque<>(List.of(statuses));
    return new StubRegistry(r -> Response.of(queue.isEmpty() ? 200 : queue.poll()));
  }

  private Request request(String method) {
    return Request.of(
        Registry.parse(stub.host()), method, URI.create("http://" + stub.host() + "/v2/x"));
  }

  @Test
  void todaysPolicyTriesThreeTimesWaitingOnceThenThreeTimesTheBase() {
    RetryPolicy.Schedule schedule = RetryPolicy.attempts(3, Duration.ofMillis(10)).schedule();
    assertThat(schedule.afterStatus(503, HttpHeaders.of(Map.of(), (a, b) -> true)))
        .contains(Duration.ofMillis(10));
    assertThat(schedule.afterError(new IOException("reset"))).contains(Duration.ofMillis(30));
    assertThat(schedule.afterError(new IOException("reset"))).isEmpty();
    assertThat(RetryPolicy.attempts(3, Duration.ofMillis(10)).schedule().afterError(null))
        .as("each request its own count")
        .contains(Duration.ofMillis(10));
  }

  @Test
  void temporaryStatusesOfIdempotentRequestsAreTriedAgain() throws Exception {
    stub = answering(503, 429);
    HttpResponse<byte[]> r =
        new RetryTransport(Wire.plain(), policy, log)
            .send(request("GET"), BodyHandlers.ofByteArray());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(stub.lines()).hasSize(3);
    assertThat(waits).containsExactly(Duration.ofMillis(10), Duration.ofMillis(30));
    assertThat(log.everything)
        .containsExactly(
            "retrying GET http://" + stub.host() + "/v2/x after status 503",
            "retrying GET http://" + stub.host() + "/v2/x after status 429");
  }

  @Test
  void theLastResponseIsTheAnswerWhenTheTriesAreSpent() throws Exception {
    stub = answering(500, 502, 504, 200);
    HttpResponse<byte[]> r =
        new RetryTransport(Wire.plain(), policy, log)
            .send(request("HEAD"), BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(stub.lines()).hasSize(3);
  }

  @Test
  void clientErrorsAndRequestsThatAreNotIdempotentAreSentOnce() throws Exception {
    stub = answering(404, 503);
    RetryTransport retry = new RetryTransport(Wire.plain(), policy, log);

    assertThat(retry.send(request("GET"), BodyHandlers.ofByteArray()).statusCode()).isEqualTo(404);
    assertThat(retry.send(request("POST"), BodyHandlers.ofByteArray()).statusCode()).isEqualTo(503);
    assertThat(
            retry
                .send(request("PUT").withIdempotent(true), BodyHandlers.ofByteArray())
                .statusCode())
        .as("a PUT the endpoint calls idempotent")
        .isEqualTo(200);
    assertThat(stub.lines()).containsExactly("GET /v2/x", "POST /v2/x", "PUT /v2/x");
    assertThat(waits).isEmpty();
  }

  /** Fails the first sends with the given failures, then passes requests on. */
  private static Transport failingFirst(Transport next, IOException... failures) {
    Deque<IOException> queue = new ArrayDeque<>(List.of(failures));
    return new Transport() {
      @Override
      public <T> HttpResponse<T> send(Request request, HttpResponse.BodyHandler<T> handler)
          throws IOException {
        IOException failure = queue.poll();
        if (failure != null) {
          throw failure;
        }
        return next.send(request, handler);
      }
    };
  }

  @Test
  void aClosedConnectionIsTriedAgainARefusedOneIsNot() throws Exception {
    stub = answering();
    IOException closed = new IOException("GET x: connection closed", new ClosedChannelException());
    HttpResponse<byte[]> r =
        new RetryTransport(failingFirst(Wire.plain(), closed), policy, log)
            .send(request("GET"), BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(log.everything)
        .containsExactly(
            "retrying GET http://" + stub.host() + "/v2/x after GET x: connection closed");

    int before = stub.lines().size();
    IOException refused = new IOException("GET x: connection refused", new ConnectException());
    assertThatThrownBy(
            () ->
                new RetryTransport(failingFirst(Wire.plain(), refused), policy, log)
                    .send(request("GET"), BodyHandlers.ofByteArray()))
        .isSameAs(refused);
    assertThat(stub.lines()).hasSize(before);
    assertThat(waits).containsExactly(Duration.ofMillis(10));
  }

  @Test
  void aPolicyMayGiveUpAtOnce() throws Exception {
    stub = answering(503);
    RetryPolicy never =
        () ->
            new RetryPolicy.Schedule() {
              @Override
              public Optional<Duration> afterError(IOException failure) {
                return Optional.empty();
              }

              @Override
              public Optional<Duration> afterStatus(int status, HttpHeaders headers) {
                return Optional.empty();
              }
            };
    assertThat(
            new RetryTransport(Wire.plain(), never, log)
                .send(request("GET"), BodyHandlers.ofByteArray())
                .statusCode())
        .isEqualTo(503);
    assertThat(stub.lines()).hasSize(1);
  }
}
