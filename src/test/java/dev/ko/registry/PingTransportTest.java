package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.name.Registry;
import dev.ko.registry.StubRegistry.Response;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PingTransport}: one ping per registry, HTTPS tried first for a local registry, the scheme
 * that answered completing the registry-relative URLs, the challenge handed on.
 */
class PingTransportTest {
  private StubRegistry stub;

  @AfterEach
  void stop() {
    if (stub != null) {
      stub.close();
    }
  }

  /** Over the plain stub: the HTTPS try gets no TLS answer and gives up after 300 ms. */
  private static PingTransport ping(Transport next) {
    return new PingTransport(next, Wire.plain(), Wire.plain(), Duration.ofMillis(300));
  }

  @Test
  void parallelFirstRequestsShareOnePingAndGoOutOverTheSchemeThatAnswered() throws Exception {
    stub =
        new StubRegistry(
            r ->
                r.pathAndQuery().equals("/v2/")
                    ? new Response(
                        401, Map.of("WWW-Authenticate", "Basic realm=\"stub\""), new byte[0])
                    : Response.of(200));
    Registry registry = Registry.parse(stub.host());
    Wire.Recording next = new Wire.Recording(Wire.plain());
    PingTransport ping = ping(next);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<HttpResponse<byte[]>>> sent = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        URI path = URI.create("/v2/foo/manifests/t" + i + "?n=sha256:ab%2B");
        sent.add(
            pool.submit(
                () -> ping.send(Request.of(registry, "GET", path), BodyHandlers.ofByteArray())));
      }
      for (Future<HttpResponse<byte[]>> f : sent) {
        assertThat(f.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(stub.lines()).filteredOn(l -> l.equals("GET /v2/")).hasSize(1);
    assertThat(next.requests)
        .hasSize(4)
        .allSatisfy(
            r -> {
              assertThat(r.uri().toString())
                  .startsWith("http://" + stub.host() + "/v2/foo/manifests/t")
                  .endsWith("?n=sha256:ab%2B");
              assertThat(r.ping())
                  .contains(
                      new Ping("http", Challenge.parse("Basic realm=\"stub\"").orElseThrow()));
              assertThat(r.toRegistry()).isTrue();
            });
  }

  @Test
  void aRegistryThatAnsweredOverPlainHttpOnlyIsPingedOverHttpAloneInTheNextRun(@TempDir Path dir)
      throws Exception {
    stub = new StubRegistry(r -> Response.of(200));
    Registry registry = Registry.parse(stub.host());
    ContentCache memo = new ContentCache(dir);
    Request request = Request.of(registry, "GET", URI.create("/v2/foo/tags/list"));
    Wire.Recording firstTls = new Wire.Recording(Wire.plain());
    new PingTransport(Wire.plain(), Wire.plain(), firstTls, Duration.ofMillis(300), memo)
        .send(request, BodyHandlers.ofByteArray());
    assertThat(firstTls.requests).extracting(r -> r.uri().getScheme()).containsExactly("https");
    assertThat(memo.speaksPlainHttp(registry)).isTrue();

    Wire.Recording nextTls = new Wire.Recording(Wire.plain());
    Wire.Recording nextPlain = new Wire.Recording(Wire.plain());
    Wire.Recording next = new Wire.Recording(Wire.plain());
    new PingTransport(next, nextPlain, nextTls, Duration.ofMillis(300), memo)
        .send(request, BodyHandlers.ofByteArray());

    assertThat(nextTls.requests)
        .as("no TLS probe, one plain ping")
        .extracting(r -> r.uri().toString())
        .containsExactly("http://" + stub.host() + "/v2/");
    assertThat(nextPlain.requests).isEmpty();
    assertThat(next.requests.get(0).ping()).contains(new Ping("http", Challenge.NONE));
  }

  @Test
  void aRememberedPlainRegistryThatDoesNotAnswerSoIsProbedBothWaysAgain(@TempDir Path dir)
      throws Exception {
    AtomicInteger pings = new AtomicInteger();
    stub =
        new StubRegistry(
            r ->
                r.pathAndQuery().equals("/v2/") && pings.incrementAndGet() == 1
                    ? Response.of(400)
                    : Response.of(200));
    Registry registry = Registry.parse(stub.host());
    ContentCache memo = new ContentCache(dir);
    memo.rememberPlainHttp(registry, true);
    Wire.Recording tls = new Wire.Recording(Wire.plain());

    new PingTransport(Wire.plain(), Wire.plain(), tls, Duration.ofMillis(300), memo)
        .send(
            Request.of(registry, "GET", URI.create("/v2/foo/tags/list")),
            BodyHandlers.ofByteArray());

    assertThat(tls.requests)
        .extracting(r -> r.uri().getScheme())
        .as("the remembered plain ping (refused), then the HTTPS probe")
        .containsExactly("http", "https");
    assertThat(stub.lines()).filteredOn(l -> l.equals("GET /v2/")).hasSize(2);
    assertThat(memo.speaksPlainHttp(registry)).as("plain again, so remembered again").isTrue();
  }

  @Test
  void anAbsoluteUrlKeepsItsSchemeAndHostAndGetsThePing() throws Exception {
    stub = new StubRegistry(r -> Response.of(200));
    Wire.Recording next = new Wire.Recording(Wire.plain());
    URI storage = URI.create("http://" + stub.host() + "/bucket/b");

    ping(next)
        .send(
            Request.of(
                Registry.parse("localhost:" + stub.host().substring(stub.host().indexOf(':') + 1)),
                "GET",
                storage),
            BodyHandlers.ofByteArray());

    assertThat(next.requests.get(0).uri()).isEqualTo(storage);
    assertThat(next.requests.get(0).ping()).contains(new Ping("http", Challenge.NONE));
    assertThat(next.requests.get(0).toRegistry()).as("127.0.0.1 is not localhost").isFalse();
  }

  @Test
  void aFailedPingFailsItsRequestAtOnceAndIsTriedAgainByTheNext() throws Exception {
    AtomicInteger pings = new AtomicInteger();
    stub =
        new StubRegistry(
            r ->
                r.pathAndQuery().equals("/v2/") && pings.incrementAndGet() == 1
                    ? Response.json(
                        503,
                        "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"later\"}]}",
                        Map.of())
                    : Response.of(200));
    Registry registry = Registry.parse(stub.host());
    PingTransport ping = ping(Wire.plain());
    Request request = Request.of(registry, "GET", URI.create("/v2/foo/tags/list"));

    assertThatThrownBy(() -> ping.send(request, BodyHandlers.ofByteArray()))
        .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isEqualTo(503))
        .hasMessage("GET http://" + stub.host() + "/v2/: UNAVAILABLE: later");
    assertThat(stub.lines()).as("not retried").containsExactly("GET /v2/");

    assertThat(ping.send(request, BodyHandlers.ofByteArray()).statusCode()).isEqualTo(200);
    assertThat(stub.lines()).containsExactly("GET /v2/", "GET /v2/", "GET /v2/foo/tags/list");
  }
}
