package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.name.Repository;
import dev.ko.oci.Digest;
import dev.ko.oci.MediaType;
import dev.ko.registry.RawStub.Reply;
import dev.ko.registry.StubRegistry.Response;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The whole client over stubs: the ping and token requests are retried like any GET, and a manifest
 * PUT whose reply was lost is checked with a HEAD, not reported as a failure.
 */
class NetworkFailuresTest {
  private static final String MANIFEST =
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}";
  private static final Digest DIGEST = Digest.of(MANIFEST.getBytes(StandardCharsets.UTF_8));

  private StubRegistry stub;
  private RawStub raw;

  @AfterEach
  void stop() throws Exception {
    if (stub != null) {
      stub.close();
    }
    if (raw != null) {
      raw.close();
    }
  }

  private static RegistryClient client() {
    return RegistryClientTest.client(Keychain.ANONYMOUS);
  }

  @Test
  void thePingIsRetried() throws Exception {
    AtomicInteger pings = new AtomicInteger();
    stub =
        new StubRegistry(
            r -> {
              if (r.pathAndQuery().equals("/v2/")) {
                return Response.of(pings.incrementAndGet() <= 2 ? 503 : 200);
              }
              return Response.json(
                  200, MANIFEST, Map.of("Content-Type", MediaType.OCI_MANIFEST.value()));
            });
    Repository foo = Repository.parse(stub.host() + "/foo");
    client().getManifest(Access.pull(foo), foo, "latest");
    assertThat(stub.lines())
        .containsExactly("GET /v2/", "GET /v2/", "GET /v2/", "GET /v2/foo/manifests/latest");
  }

  @Test
  void aTokenRequestIsRetried() throws Exception {
    AtomicInteger tokens = new AtomicInteger();
    stub =
        new StubRegistry(
            r -> {
              if (r.pathAndQuery().startsWith("/token")) {
                return tokens.incrementAndGet() == 1
                    ? Response.of(500)
                    : Response.json(200, "{\"token\":\"t1\",\"expires_in\":300}", Map.of());
              }
              if (r.authorization() == null) {
                return new Response(
                    401,
                    Map.of(
                        "WWW-Authenticate",
                        "Bearer realm=\"http://" + stub.host() + "/token\",service=\"s\""),
                    new byte[0]);
              }
              return Response.json(
                  200, MANIFEST, Map.of("Content-Type", MediaType.OCI_MANIFEST.value()));
            });
    Repository foo = Repository.parse(stub.host() + "/foo");
    client().getManifest(Access.pull(foo), foo, "latest");
    assertThat(stub.lines())
        .filteredOn(l -> l.startsWith("GET /token"))
        .as("the first token request got a 500")
        .hasSize(2);
    assertThat(stub.requests().get(stub.requests().size() - 1).authorization())
        .isEqualTo("Bearer t1");
  }

  private static Reply headWith(Digest digest) {
    return new Reply(
        ("HTTP/1.1 200 OK\r\nConnection: close\r\nDocker-Content-Digest: "
                + digest
                + "\r\nContent-Type: "
                + MediaType.OCI_MANIFEST.value()
                + "\r\nContent-Length: "
                + MANIFEST.length()
                + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1),
        false);
  }

  @Test
  void aManifestPutWhoseReplyWasLostIsSuccessWhenTheRegistryHasIt() throws Exception {
    raw =
        new RawStub(
            line ->
                switch (line) {
                  case "GET /v2/" -> Reply.of(200, "", "");
                  case "PUT /v2/foo/manifests/v1" -> Reply.CLOSE;
                  case "HEAD /v2/foo/manifests/v1" -> headWith(DIGEST);
                  default -> Reply.of(404, "", "");
                });
    Repository foo = Repository.parse(raw.host() + "/foo");
    client()
        .putManifest(
            Access.push(foo, List.of()),
            foo,
            "v1",
            MediaType.OCI_MANIFEST,
            MANIFEST.getBytes(StandardCharsets.UTF_8));
    assertThat(raw.lines())
        .filteredOn(l -> !l.equals("NOT-HTTP"))
        .as("the PUT once (the JDK may resend it once itself), then the HEAD that finds it")
        .endsWith("HEAD /v2/foo/manifests/v1")
        .filteredOn(l -> l.startsWith("HEAD "))
        .hasSize(1);
  }

  @Test
  void aManifestPutWhoseReplyWasLostIsSentAgainWhenTheRegistryHasSomethingElse() throws Exception {
    AtomicInteger puts = new AtomicInteger();
    raw =
        new RawStub(
            line -> {
              if (line.equals("GET /v2/")) {
                return Reply.of(200, "", "");
              }
              if (line.startsWith("PUT ")) {
                return puts.incrementAndGet() == 1 ? Reply.CLOSE : Reply.of(201, "", "");
              }
              if (line.startsWith("HEAD ")) {
                return headWith(Digest.of(new byte[] {1}));
              }
              return Reply.of(404, "", "");
            });
    Repository foo = Repository.parse(raw.host() + "/foo");
    client()
        .putManifest(
            Access.push(foo, List.of()),
            foo,
            "v1",
            MediaType.OCI_MANIFEST,
            MANIFEST.getBytes(StandardCharsets.UTF_8));
    assertThat(raw.lines())
        .filteredOn(l -> !l.equals("NOT-HTTP"))
        .containsSubsequence(
            "PUT /v2/foo/manifests/v1", "HEAD /v2/foo/manifests/v1", "PUT /v2/foo/manifests/v1");
    assertThat(raw.lines()).last().isEqualTo("PUT /v2/foo/manifests/v1");
  }
}
