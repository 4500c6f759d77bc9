package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.name.Registry;
import dev.ko.registry.RawStub.Reply;
import dev.ko.registry.StubRegistry.Response;
import dev.ko.testing.RecordingLog;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
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

/**
 * {@link RetryTransport} and its {@link RetryPolicy}, with a clock that moves only when the policy
 * waits, so budgets of 30 s cost nothing; and the failures a real exchange meets (cut-off replies,
 * closed connections, silence, TLS) over a raw loopback stub.
 */
class RetryTransportTest {
  private final RecordingLog log = new RecordingLog();
  private final CountingTicker ticker = new CountingTicker();
  private StubRegistry stub;
  private RawStub raw;

  /** Time that passes only when the policy sleeps (or a test says so). */
  static final class CountingTicker implements RetryPolicy.Ticker {
    final List<Duration> waits = new ArrayList<>();
    long now;

    @Override
    public long nanoTime() {
      return now;
    }

    @Override
    public void sleep(Duration wait) {
      waits.add(wait);
      now += wait.toNanos();
    }
  }

  /** 30 s budget, 200 ms first wait, 5 s at most, Retry-After up to 10 s; no jitter. */
  private RetryPolicy policy(double jitter) {
    return new RetryPolicy(
        Duration.ofSeconds(30),
        Duration.ofMillis(200),
        RetryPolicy.MAX_WAIT,
        RetryPolicy.MAX_RETRY_AFTER,
        ticker,
        () -> jitter);
  }

  private final RetryPolicy policy = policy(0);

  @AfterEach
  void stop() throws IOException {
    if (stub != null) {
      stub.close();
    }
    if (raw != null) {
      raw.close();
    }
  }

  /** A stub answering the given statuses in turn, then 200. */
  private StubRegistry answering(Integer... statuses) throws IOException {
    Deque<Integer> queue = new ArrayDeque<>(List.of(statuses));
    return new StubRegistry(r -> Response.of(queue.isEmpty() ? 200 : queue.poll()));
  }

  private Request request(String method) {
    return request(stub.host(), method);
  }

  private static Request request(String host, String method) {
    return Request.of(Registry.parse(host), method, URI.create("http://" + host + "/v2/x"));
  }

  private static RegistryException status(int status, Optional<Duration> retryAfter) {
    return new RegistryException("GET", "u", status, List.of(), retryAfter);
  }

  // ------------------------------------------------------------ the policy

  @Test
  void waitsDoubleFromTheFirstUpToTheCapUntilTheBudgetIsSpent() {
    RetryPolicy.Schedule s = policy.schedule();
    List<Duration> waits = new ArrayList<>();
    for (Optional<Duration> w = s.next(new IOException("reset"));
        w.isPresent();
        w = s.next(new IOException("reset"))) {
      waits.add(w.get());
      ticker.sleep(w.get());
    }
    assertThat(waits)
        .startsWith(
            Duration.ofMillis(200),
            Duration.ofMillis(400),
            Duration.ofMillis(800),
            Duration.ofMillis(1600),
            Duration.ofMillis(3200),
            Duration.ofSeconds(5),
            Duration.ofSeconds(5));
    assertThat(waits.stream().reduce(Duration.ZERO, Duration::plus))
        .as("no wait goes past the budget")
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(s.failed()).isEqualTo(waits.size() + 1).isEqualTo(11);
    assertThat(policy.schedule().next(new IOException("reset")))
        .as("each request its own schedule")
        .contains(Duration.ofMillis(200));
  }

  @Test
  void jitterShortensAWaitByUpToHalf() {
    assertThat(policy(0.5).schedule().next(new IOException())).contains(Duration.ofMillis(150));
    assertThat(policy(0.999).schedule().next(new IOException()).orElseThrow())
        .isGreaterThan(Duration.ofMillis(100))
        .isLessThan(Duration.ofMillis(101));
  }

  @Test
  void retryAfterIsHonouredCappedAndKeptWithinTheBudget() {
    RetryPolicy.Schedule s = policy.schedule();
    assertThat(s.next(status(429, Optional.of(Duration.ofSeconds(3)))))
        .contains(Duration.ofSeconds(3));
    assertThat(s.next(status(503, Optional.of(Duration.ZERO)))).contains(Duration.ZERO);
    assertThat(s.next(status(503, Optional.of(Duration.ofMinutes(2)))))
        .as("capped")
        .contains(Duration.ofSeconds(10));
    ticker.now += Duration.ofSeconds(28).toNanos();
    assertThat(s.next(status(429, Optional.of(Duration.ofSeconds(10)))))
        .as("not past the budget")
        .contains(Duration.ofSeconds(2));
    ticker.now += Duration.ofSeconds(2).toNanos();
    assertThat(s.next(status(429, Optional.of(Duration.ZERO)))).isEmpty();
  }

  @Test
  void retryAfterIsReadInSecondsOrAsADate() {
    java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");
    assertThat(Responses.retryAfter(headers("Retry-After", "7"), now))
        .contains(Duration.ofSeconds(7));
    assertThat(Responses.retryAfter(headers("Retry-After", "Thu, 01 Jan 2026 00:00:30 GMT"), now))
        .contains(Duration.ofSeconds(30));
    assertThat(Responses.retryAfter(headers("Retry-After", "soon"), now)).isEmpty();
    assertThat(Responses.retryAfter(headers("X", "1"), now)).isEmpty();
  }

  private static java.net.http.HttpHeaders headers(String name, String value) {
    return java.net.http.HttpHeaders.of(Map.of(name, List.of(value)), (a, b) -> true);
  }

  // ------------------------------------------------------------ statuses

  @Test
  void temporaryStatusesOfIdempotentRequestsAreTriedAgain() throws Exception {
    stub = answering(503, 429, 408);
    HttpResponse<byte[]> r =
        new RetryTransport(Wire.plain(), policy, log)
            .send(request("GET"), BodyHandlers.ofByteArray());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(stub.lines()).hasSize(4);
    assertThat(ticker.waits)
        .containsExactly(Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(800));
    String url = "GET http://" + stub.host() + "/v2/x";
    assertThat(log.everything)
        .containsExactly(
            "retrying " + url + " in 200 ms after: unexpected status code 503 Service Unavailable",
            "retrying " + url + " in 400 ms after: unexpected status code 429 Too Many Requests",
            "retrying " + url + " in 800 ms after: unexpected status code 408 Request Timeout");
  }

  @Test
  void aRetryAfterOfTheRegistryIsWaited() throws Exception {
    Deque<Response> replies =
        new ArrayDeque<>(
            List.of(
                Response.json(429, "", Map.of("Retry-After", "4")),
                Response.json(503, "", Map.of("Retry-After", "3600"))));
    stub = new StubRegistry(r -> replies.isEmpty() ? Response.of(200) : replies.poll());
    assertThat(
            new RetryTransport(Wire.plain(), policy, log)
                .send(request("GET"), BodyHandlers.ofByteArray())
                .statusCode())
        .isEqualTo(200);
    assertThat(ticker.waits).containsExactly(Duration.ofSeconds(4), Duration.ofSeconds(10));
  }

  @Test
  void whenTheBudgetIsSpentTheLastAnswerIsTheErrorWithTheTriesAndTheTime() throws Exception {
    stub =
        new StubRegistry(
            r ->
                Response.json(
                    500, "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"boom\"}]}", Map.of()));
    assertThatThrownBy(
            () ->
                new RetryTransport(Wire.plain(), policy, log)
                    .send(request("HEAD"), BodyHandlers.ofByteArray()))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.status()).isEqualTo(500);
              assertThat(e.isTemporary()).as("spent: an enclosing retry stops").isFalse();
              assertThat(Failures.isTemporary(e)).isFalse();
            })
        .hasMessage(
            "HEAD http://"
                + stub.host()
                + "/v2/x failed after 11 attempts in 30.0s: unexpected status code 500 Internal"
                + " Server Error");
    assertThat(stub.lines()).hasSize(11);
  }

  @Test
  void clientErrorsAndRequestsThatAreNotIdempotentAreSentOnce() throws Exception {
    stub = answering(404, 503, 503);
    RetryTransport retry = new RetryTransport(Wire.plain(), policy, log);

    assertThat(retry.send(request("GET"), BodyHandlers.ofByteArray()).statusCode()).isEqualTo(404);
    assertThat(retry.send(request("POST"), BodyHandlers.ofByteArray()).statusCode()).isEqualTo(503);
    assertThat(retry.send(request("GET").once(), BodyHandlers.ofByteArray()).statusCode())
        .as("a step of a sequence")
        .isEqualTo(503);
    assertThat(
            retry
                .send(request("PUT").withIdempotent(true), BodyHandlers.ofByteArray())
                .statusCode())
        .as("a PUT the endpoint calls idempotent")
        .isEqualTo(200);
    assertThat(stub.lines()).containsExactly("GET /v2/x", "POST /v2/x", "GET /v2/x", "PUT /v2/x");
    assertThat(ticker.waits).isEmpty();
  }

  // ------------------------------------------------------------ broken exchanges

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
    IOException closed =
        new IOException(
            "GET http://" + stub.host() + "/v2/x: connection closed", new ClosedChannelException());
    HttpResponse<byte[]> r =
        new RetryTransport(failingFirst(Wire.plain(), closed), policy, log)
            .send(request("GET"), BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(log.everything)
        .containsExactly(
            "retrying GET http://" + stub.host() + "/v2/x in 200 ms after: connection closed");

    int before = stub.lines().size();
    IOException refused = new IOException("GET x: connection refused", new ConnectException());
    assertThatThrownBy(
            () ->
                new RetryTransport(failingFirst(Wire.plain(), refused), policy, log)
                    .send(request("GET"), BodyHandlers.ofByteArray()))
        .isSameAs(refused);
    assertThat(stub.lines()).hasSize(before);
  }

  private static final Reply MANIFEST = Reply.of(200, "", "{\"schemaVersion\":2,\"x\":\"yz\"}");

  @Test
  void aReplyCutOffHalfwayIsFetchedAgain() throws Exception {
    Deque<Reply> replies =
        new ArrayDeque<>(List.of(MANIFEST.cut(MANIFEST.bytes().length / 2 + 20, false)));
    raw = new RawStub(line -> replies.isEmpty() ? MANIFEST : replies.poll());
    HttpResponse<byte[]> r =
        new RetryTransport(Wire.plain(), policy, log)
            .send(request(raw.host(), "GET"), BodyHandlers.ofByteArray());
    assertThat(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("{\"schemaVersion\":2,\"x\":\"yz\"}");
    assertThat(raw.lines()).containsExactly("GET /v2/x", "GET /v2/x");
    assertThat(log.everything).singleElement().asString().contains("after: reply cut off");
  }

  @Test
  void aConnectionClosedBeforeTheReplyIsTriedAgainAndTheLastCauseIsNamed() throws Exception {
    raw = new RawStub(line -> Reply.CLOSE);
    assertThatThrownBy(
            () ->
                new RetryTransport(Wire.plain(), policy, log)
                    .send(request(raw.host(), "GET"), BodyHandlers.ofByteArray()))
        .isInstanceOf(RetriesSpent.class)
        .hasMessage(
            "GET http://"
                + raw.host()
                + "/v2/x failed after 11 attempts in 30.0s: connection closed before reply");
    assertThat(raw.lines())
        .as("the JDK sends a GET again once itself")
        .hasSizeGreaterThanOrEqualTo(11);
  }

  @Test
  void aTlsFailureIsNotTriedAgain() throws Exception {
    raw = new RawStub(line -> MANIFEST);
    Request overTls =
        Request.of(
            Registry.parse(raw.host()), "GET", URI.create("https://" + raw.host() + "/v2/x"));
    assertThatThrownBy(
            () ->
                new RetryTransport(Wire.plain(), policy, log)
                    .send(overTls, BodyHandlers.ofByteArray()))
        .hasMessageStartingWith("GET https://" + raw.host() + "/v2/x: TLS handshake failed");
    assertThat(raw.lines()).containsExactly("NOT-HTTP");
    assertThat(ticker.waits).isEmpty();
  }

  @Test
  void aRegistryThatNeverAnswersFailsAfterTheSilenceTimeout() throws Exception {
    raw = new RawStub(line -> Reply.SILENCE);
    Transport wire = new JdkTransport(Wire.clients(), "ko-test", Duration.ofMillis(400));
    RetryPolicy real = RetryPolicy.of(Duration.ofMillis(500), Duration.ofMillis(10));
    long start = System.nanoTime();
    assertThatThrownBy(
            () ->
                new RetryTransport(wire, real, log)
                    .send(request(raw.host(), "GET"), BodyHandlers.ofByteArray()))
        .isInstanceOf(RetriesSpent.class)
        .hasMessageMatching(
            "GET http://"
                + raw.host().replace(".", "\\.")
                + "/v2/x failed after 2 attempts in 0\\.[89]s: no answer for 0\\.4s");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void aBodyThatStopsComingFailsAfterTheSilenceTimeout() throws Exception {
    Reply headersAndSome =
        new Reply(
            "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
            true);
    raw = new RawStub(line -> headersAndSome);
    Transport wire = new JdkTransport(Wire.clients(), "ko-test", Duration.ofMillis(300));
    long start = System.nanoTime();
    assertThatThrownBy(() -> wire.send(request(raw.host(), "GET"), BodyHandlers.ofByteArray()))
        .hasMessage("GET http://" + raw.host() + "/v2/x: no answer for 0.3s");
    HttpResponse<java.io.InputStream> streamed =
        wire.send(request(raw.host(), "GET"), BodyHandlers.ofInputStream());
    IOException failure =
        org.junit.jupiter.api.Assertions.assertThrows(
            IOException.class, () -> streamed.body().readAllBytes());
    assertThat(Failures.describe(failure))
        .as("a streamed body too")
        .isEqualTo("no data for 0.3s from " + raw.host());
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }
}
