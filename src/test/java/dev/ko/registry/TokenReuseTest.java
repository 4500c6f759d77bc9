package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.ko.log.Log;
import dev.ko.name.Repository;
import dev.ko.oci.Digest;
import dev.ko.testing.ServerCertificate;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bearer tokens: asked for exactly the scopes needed, reused until they expire, renewed after; and
 * a TLS registry on 127.0.0.1 is reached over HTTPS, trusted through SSL_CERT_FILE.
 */
class TokenReuseTest {
  private HttpServer server;
  private final AtomicInteger issued = new AtomicInteger();
  private final List<String> tokenQueries = new CopyOnWriteArrayList<>();
  private final MovableClock clock = new MovableClock();

  /** A clock tests move forward. */
  static final class MovableClock extends Clock {
    private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @TempDir static Path keys;
  static SSLContext serverTls;
  static Path certPem;

  /** A TLS stub: a JDK HttpServer would not answer the HTTPS try a local registry gets first. */
  @BeforeAll
  static void certificate() throws Exception {
    ServerCertificate cert = ServerCertificate.create(keys, "localhost", "ip:127.0.0.1");
    serverTls = cert.serverTls();
    certPem = cert.pem();
  }

  @BeforeEach
  void start() throws IOException {
    HttpsServer https =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(serverTls));
    server = https;
    String realm = "https://127.0.0.1:" + server.getAddress().getPort() + "/token";
    server.createContext(
        "/token",
        ex -> {
          tokenQueries.add(
              URLDecoder.decode(ex.getRequestURI().getRawQuery(), StandardCharsets.UTF_8));
          reply(ex, 200, "{\"token\":\"tok-" + issued.incrementAndGet() + "\",\"expires_in\":60}");
        });
    server.createContext(
        "/v2/",
        ex -> {
          String auth = ex.getRequestHeaders().getFirst("Authorization");
          if (auth == null || !auth.equals("Bearer tok-" + issued.get())) {
            ex.getResponseHeaders()
                .set("WWW-Authenticate", "Bearer realm=\"" + realm + "\",service=\"svc\"");
            reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"no\"}]}");
            return;
          }
          reply(ex, 404, "");
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(
        status, ex.getRequestMethod().equals("HEAD") || b.length == 0 ? -1 : b.length);
    if (!ex.getRequestMethod().equals("HEAD") && b.length > 0) {
      ex.getResponseBody().write(b);
    }
    ex.close();
  }

  private static SSLContext trustingTheStub() {
    return TrustStores.verified(
        new TrustRoots(java.util.Optional.of(certPem), java.util.Optional.empty()));
  }

  @Test
  void oneTokenPerScopeSetUntilItExpires() throws Exception {
    HttpTransport transport =
        new HttpTransport(Wire.engine(), TokenReuseTest::trustingTheStub, TrustStores::unverified);
    RegistryClient client =
        new RegistryClient(
            transport,
            r -> Credential.ANONYMOUS,
            Log.NONE,
            RegistryClient.Options.of(
                "test",
                new NetworkSettings(
                    Duration.ofSeconds(1), Duration.ofMillis(1), Duration.ofSeconds(30))),
            new RegistryClient.Internals(clock, Duration.ofSeconds(10), InternalHosts.DNS));
    Repository target =
        Repository.parse("127.0.0.1:" + server.getAddress().getPort() + "/team/app");
    Repository base =
        Repository.parse("127.0.0.1:" + server.getAddress().getPort() + "/distroless/static");
    Pusher push = client.pusher(target, List.of(base));
    Digest d = Digest.of(new byte[0]);

    for (int i = 0; i < 5; i++) {
      assertThat(push.blobExists(d)).isFalse();
    }
    assertThat(issued.get()).as("one token for five requests").isEqualTo(1);
    assertThat(tokenQueries.get(0))
        .isEqualTo(
            "service=svc&scope=repository:distroless/static:pull&scope=repository:team/app:pull,push");

    clock.advance(Duration.ofSeconds(50));
    push.blobExists(d);
    assertThat(issued.get()).as("still valid after 50 s of 60").isEqualTo(1);

    clock.advance(Duration.ofSeconds(10));
    push.blobExists(d);
    assertThat(issued.get()).as("renewed shortly before it expires").isEqualTo(2);

    client.blobExists(Access.pull(base), base, d);
    assertThat(issued.get()).as("another scope set, another token").isEqualTo(3);
    assertThat(tokenQueries.get(2))
        .isEqualTo("service=svc&scope=repository:distroless/static:pull");
  }

  private RegistryClient client(Credential credential, TokenCache tokens) {
    HttpTransport transport =
        new HttpTransport(Wire.engine(), TokenReuseTest::trustingTheStub, TrustStores::unverified);
    NetworkSettings network =
        new NetworkSettings(Duration.ofSeconds(1), Duration.ofMillis(1), Duration.ofSeconds(30));
    return new RegistryClient(
        transport,
        r -> credential,
        Log.NONE,
        new RegistryClient.Options("test", network, Optional.empty(), tokens),
        new RegistryClient.Internals(clock, Duration.ofSeconds(10), InternalHosts.DNS));
  }

  /** As the build server's requests share its cache: each makes its own client. */
  @Test
  void clientsSharingATokenCacheReuseATokenOnlyForTheSameCredentials() throws Exception {
    TokenCache kept = new TokenCache();
    Repository target =
        Repository.parse("127.0.0.1:" + server.getAddress().getPort() + "/team/app");
    Digest d = Digest.of(new byte[0]);
    Credential alice = Credential.basic("alice", "secret-1");

    assertThat(client(alice, kept).pusher(target, List.of()).blobExists(d)).isFalse();
    assertThat(issued.get()).isEqualTo(1);
    assertThat(client(alice, kept).pusher(target, List.of()).blobExists(d)).isFalse();
    assertThat(issued.get()).as("a second client, same credentials: the kept token").isEqualTo(1);

    // Another password (a changed config.json): a token of its own.
    assertThat(client(Credential.basic("alice", "secret-2"), kept).pusher(target, List.of()))
        .satisfies(p -> assertThat(p.blobExists(d)).isFalse());
    assertThat(issued.get()).as("other credentials, another token").isEqualTo(2);

    // Expired: asked for again, and the expired one dropped.
    clock.advance(Duration.ofSeconds(60));
    client(alice, kept).pusher(target, List.of()).blobExists(d);
    assertThat(issued.get()).isEqualTo(3);
    assertThat(kept.size()).as("the expired token is dropped").isEqualTo(1);

    // A cache of its own (a fresh process) keeps nothing from the others.
    client(alice, new TokenCache()).pusher(target, List.of()).blobExists(d);
    assertThat(issued.get()).isEqualTo(4);
  }

  @Test
  void theKeyShowsNoSecret() {
    Credential c = new Credential("alice", "pw-123456", "idtok-7890", "regtok-abc");
    String id = TokenCache.identity(c);
    assertThat(id).hasSize(64).doesNotContain("pw-123456", "idtok", "regtok");
    assertThat(
            TokenCache.identity(new Credential("alice", "pw-123456", "idtok-7890", "regtok-abc")))
        .isEqualTo(id);
    // Fields do not run into each other.
    assertThat(TokenCache.identity(Credential.basic("ab", "c")))
        .isNotEqualTo(TokenCache.identity(Credential.basic("a", "bc")));
  }
}
