package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.name.Repository;
import dev.ko.registry.StubRegistry.Response;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AuthTransport} alone, below a ping that is made up: credentials only to the registry's
 * origin, Bearer tokens per access reused until they expire, one token request for parallel
 * requests, one re-authentication after a 401.
 */
class AuthTransportTest {
  private static final Credential USER = Credential.basic("user", "s3cret");

  private final List<StubRegistry> stubs = new ArrayList<>();
  private final AtomicInteger issued = new AtomicInteger();

  @AfterEach
  void stop() {
    stubs.forEach(StubRegistry::close);
  }

  private StubRegistry stub(StubRegistry.Handler handler) throws Exception {
    StubRegistry s = new StubRegistry(handler);
    stubs.add(s);
    return s;
  }

  /** A registry with its token server: any request bearing the last token issued is answered. */
  private StubRegistry bearerRegistry(CountDownLatch tokenGate) throws Exception {
    return stub(
        r -> {
          if (r.pathAndQuery().startsWith("/token?")) {
            await(tokenGate);
            return Response.json(
                200,
                "{\"token\":\"T" + issued.incrementAndGet() + "\",\"expires_in\":60}",
                Map.of());
          }
          return ("Bearer T" + issued.get()).equals(r.authorization())
              ? Response.of(200)
              : Response.of(401);
        });
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Challenge bearer(StubRegistry registry, String scope) {
    Map<String, String> params =
        new java.util.LinkedHashMap<>(
            Map.of("realm", "http://" + registry.host() + "/token", "service", "svc"));
    if (scope != null) {
      params.put("scope", scope);
    }
    return new Challenge("Bearer", params);
  }

  /** A request for {@code path} on the stub, as the ping decorator hands it on. */
  private static Request request(StubRegistry registry, Access access, String path, Challenge c) {
    return Request.of(
            access.registry(), "GET", URI.create("http://" + registry.host() + "/v2/" + path))
        .withAccess(access)
        .withPing(new Ping("http", c));
  }

  private static String basic() {
    return "Basic "
        + Base64.getEncoder().encodeToString("user:s3cret".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void basicCredentialsGoOnlyToTheRegistrysPingedOrigin() throws Exception {
    StubRegistry registry = stub(r -> Response.of(200));
    StubRegistry storage = stub(r -> Response.of(200));
    Access access = Access.pull(Repository.parse(registry.host() + "/foo/bar"));
    Challenge basic = new Challenge("Basic", Map.of("realm", "stub"));
    AuthTransport auth =
        new AuthTransport(Wire.plain(), repo -> USER, Clock.systemUTC(), new TokenCache());

    auth.send(request(registry, access, "foo/bar/tags/list", basic), BodyHandlers.ofByteArray());
    auth.send(
        request(registry, access, "foo/bar/tags/list", basic)
            .withUri(URI.create("http://" + storage.host() + "/bucket/b")),
        BodyHandlers.ofByteArray());
    auth.send(
        request(registry, access, "foo/bar/tags/list", basic).withPing(new Ping("https", basic)),
        BodyHandlers.ofByteArray());
    auth.send(
        Request.of(access.registry(), "GET", URI.create("http://" + registry.host() + "/v2/")),
        BodyHandlers.ofByteArray());

    assertThat(registry.requests())
        .extracting(StubRegistry.Request::authorization)
        .as("the origin, then: pinged over HTTPS, so http:// is not the registry; no access")
        .containsExactly(basic(), null, null);
    assertThat(storage.requests().get(0).authorization()).isNull();
  }

  @Test
  void aBearerTokenServesItsAccessUntilShortlyBeforeItExpires() throws Exception {
    StubRegistry registry = bearerRegistry(new CountDownLatch(0));
    TokenReuseTest.MovableClock clock = new TokenReuseTest.MovableClock();
    AuthTransport auth = new AuthTransport(Wire.plain(), repo -> USER, clock, new TokenCache());
    Repository foo = Repository.parse(registry.host() + "/foo/bar");
    Access push = Access.push(foo, List.of(Repository.parse(registry.host() + "/base/img")));
    Challenge challenge = bearer(registry, null);

    for (int i = 0; i < 3; i++) {
      auth.send(request(registry, push, "foo/bar/blobs/x", challenge), BodyHandlers.ofByteArray());
    }
    clock.advance(Duration.ofSeconds(56));
    auth.send(request(registry, push, "foo/bar/blobs/x", challenge), BodyHandlers.ofByteArray());
    auth.send(
        request(registry, Access.pull(foo), "foo/bar/blobs/x", challenge),
        BodyHandlers.ofByteArray());

    assertThat(registry.requests())
        .filteredOn(r -> r.pathAndQuery().startsWith("/token"))
        .extracting(StubRegistry.Request::pathAndQuery, StubRegistry.Request::authorization)
        .containsExactly(
            org.assertj.core.api.Assertions.tuple(
                "/token?service=svc&scope=repository%3Abase%2Fimg%3Apull"
                    + "&scope=repository%3Afoo%2Fbar%3Apull%2Cpush",
                basic()),
            org.assertj.core.api.Assertions.tuple(
                "/token?service=svc&scope=repository%3Abase%2Fimg%3Apull"
                    + "&scope=repository%3Afoo%2Fbar%3Apull%2Cpush",
                basic()),
            org.assertj.core.api.Assertions.tuple(
                "/token?service=svc&scope=repository%3Afoo%2Fbar%3Apull", basic()));
    assertThat(registry.requests())
        .filteredOn(r -> r.pathAndQuery().startsWith("/v2/"))
        .extracting(StubRegistry.Request::authorization)
        .containsExactly("Bearer T1", "Bearer T1", "Bearer T1", "Bearer T2", "Bearer T3");
  }

  @Test
  void parallelRequestsForOneAccessWaitForOneTokenRequest() throws Exception {
    CountDownLatch tokenGate = new CountDownLatch(1);
    StubRegistry registry = bearerRegistry(tokenGate);
    AuthTransport auth =
        new AuthTransport(Wire.plain(), repo -> USER, Clock.systemUTC(), new TokenCache());
    Access access = Access.pull(Repository.parse(registry.host() + "/foo/bar"));
    Challenge challenge = bearer(registry, null);
    int parallel = 6;
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    List<Thread> senders = new java.util.concurrent.CopyOnWriteArrayList<>();
    try {
      List<Future<HttpResponse<byte[]>>> sent = new ArrayList<>();
      for (int i = 0; i < parallel; i++) {
        sent.add(
            pool.submit(
                () -> {
                  senders.add(Thread.currentThread());
                  return auth.send(
                      request(registry, access, "foo/bar/manifests/latest", challenge),
                      BodyHandlers.ofByteArray());
                }));
      }
      // Every sender is waiting: one for the token server, held at the gate (parked, or in a
      // socket read, which a blocking client shows as RUNNABLE), the rest for that one.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (senders.size() < parallel
          || registry.lines().stream().noneMatch(l -> l.startsWith("GET /token"))
          || senders.stream().filter(t -> t.getState() == Thread.State.RUNNABLE).count() > 1) {
        assertThat(System.nanoTime()).as("senders waiting").isLessThan(deadline);
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      tokenGate.countDown();
      for (Future<HttpResponse<byte[]>> f : sent) {
        assertThat(f.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(registry.lines()).filteredOn(l -> l.startsWith("GET /token")).hasSize(1);
    assertThat(registry.requests())
        .filteredOn(r -> r.pathAndQuery().startsWith("/v2/"))
        .extracting(StubRegistry.Request::authorization)
        .hasSize(parallel)
        .containsOnly("Bearer T1");
  }

  @Test
  void a401RenewsTheTokenWithTheChallengesScopeOnceThenTellsWhatWasTried() throws Exception {
    String push = "repository:foo/bar:pull,push";
    AtomicInteger refusals = new AtomicInteger();
    StubRegistry registry =
        stub(
            r -> {
              if (r.pathAndQuery().startsWith("/token?")) {
                return Response.json(
                    200, "{\"token\":\"T" + issued.incrementAndGet() + "\"}", Map.of());
              }
              boolean always = r.pathAndQuery().endsWith("/refused");
              if (always) {
                refusals.incrementAndGet();
              }
              boolean refuse = always || !"Bearer T2".equals(r.authorization());
              return refuse
                  ? new Response(
                      401,
                      Map.of(
                          "WWW-Authenticate",
                          "Bearer realm=\"http://"
                              + registry().host()
                              + "/token\",service=\"svc\",scope=\""
                              + push
                              + "\""),
                      new byte[0])
                  : Response.of(201);
            });
    AuthTransport auth =
        new AuthTransport(
            Wire.plain(), repo -> Credential.ANONYMOUS, Clock.systemUTC(), new TokenCache());
    Access pull = Access.pull(Repository.parse(registry.host() + "/foo/bar"));

    HttpResponse<byte[]> r =
        auth.send(
            request(registry, pull, "foo/bar/manifests/t", bearer(registry, null)),
            BodyHandlers.ofByteArray());

    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(registry.lines())
        .containsExactly(
            "GET /token?service=svc&scope=repository%3Afoo%2Fbar%3Apull",
            "GET /v2/foo/bar/manifests/t",
            "GET /token?service=svc&scope=repository%3Afoo%2Fbar%3Apull"
                + "&scope=repository%3Afoo%2Fbar%3Apull%2Cpush",
            "GET /v2/foo/bar/manifests/t");

    assertThatThrownBy(
            () ->
                auth.send(
                    request(registry, pull, "foo/bar/refused", bearer(registry, null)),
                    BodyHandlers.ofByteArray()))
        .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isEqualTo(401))
        .hasMessage(
            "GET http://"
                + registry.host()
                + "/v2/foo/bar/refused: UNAUTHORIZED: authentication required; no credentials"
                + " found for "
                + registry.host()
                + " (log in with: ko login "
                + registry.host()
                + ")");
    assertThat(refusals.get()).as("sent twice, then given up").isEqualTo(2);
  }

  private StubRegistry registry() {
    return stubs.get(0);
  }
}
