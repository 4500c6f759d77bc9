package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.name.Repository;
import dev.ko.oci.Digest;
import dev.ko.registry.StubRegistry.Response;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Pusher#streamBlob}: POST, one chunked PATCH of the body, PUT of the digest with an empty
 * body; a refused PATCH or PUT deletes the session and is thrown (the caller then uploads the blob
 * the usual way), and nothing is retried.
 */
class StreamBlobTest {
  private static final byte[] BLOB = "abcdefghij".repeat(50_000).getBytes(StandardCharsets.UTF_8);
  private static final Digest DIGEST = Digest.of(BLOB);

  private StubRegistry stub;

  @AfterEach
  void stop() {
    if (stub != null) {
      stub.close();
    }
  }

  private StubRegistry registry(Function<StubRegistry.Request, Response> patchOrPut)
      throws Exception {
    return new StubRegistry(
        r -> {
          if (r.pathAndQuery().equals("/v2/")) {
            return Response.of(200);
          }
          if (r.method().equals("POST")) {
            return new Response(
                202, Map.of("Location", "/v2/foo/bar/blobs/uploads/s1"), new byte[0]);
          }
          if (r.method().equals("DELETE")) {
            return Response.of(204);
          }
          return patchOrPut.apply(r);
        });
  }

  private void stream(Digest digest) throws Exception {
    Repository repo = Repository.parse(stub.host() + "/foo/bar");
    RegistryClientTest.client(Keychain.ANONYMOUS)
        .pusher(repo, List.of())
        .streamBlob(new ByteArrayInputStream(BLOB), () -> digest);
  }

  private static Response accepting(StubRegistry.Request r) {
    if (r.method().equals("PATCH")) {
      return new Response(
          202, Map.of("Location", "/v2/foo/bar/blobs/uploads/s1?state=2"), new byte[0]);
    }
    return Response.of(201);
  }

  @Test
  void theBodyGoesInOneChunkedPatchAndThePutCarriesOnlyTheDigest() throws Exception {
    stub = registry(StreamBlobTest::accepting);
    stream(DIGEST);
    assertThat(stub.lines())
        .containsExactly(
            "GET /v2/",
            "POST /v2/foo/bar/blobs/uploads/",
            "PATCH /v2/foo/bar/blobs/uploads/s1",
            "PUT /v2/foo/bar/blobs/uploads/s1?state=2&digest=sha256%3A" + DIGEST.hex());
    StubRegistry.Request patch = stub.requests().get(2);
    assertThat(patch.body()).isEqualTo(BLOB);
    assertThat(patch.headers().getFirst("Transfer-Encoding")).isEqualToIgnoringCase("chunked");
    assertThat(stub.requests().get(3).body()).isEmpty();
  }

  @Test
  void aRefusedPatchDeletesTheSessionAndIsThrownWithoutAPut() throws Exception {
    stub = registry(r -> Response.of(r.method().equals("PATCH") ? 405 : 201));
    assertThatThrownBy(() -> stream(DIGEST))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.status()).isEqualTo(405));
    assertThat(stub.lines())
        .containsExactly(
            "GET /v2/",
            "POST /v2/foo/bar/blobs/uploads/",
            "PATCH /v2/foo/bar/blobs/uploads/s1",
            "DELETE /v2/foo/bar/blobs/uploads/s1");
  }

  @Test
  void aPutRefusedForItsDigestDeletesTheSessionItWasSentTo() throws Exception {
    stub =
        registry(
            r ->
                r.method().equals("PATCH")
                    ? accepting(r)
                    : Response.json(
                        400,
                        "{\"errors\":[{\"code\":\"DIGEST_INVALID\",\"message\":\"x\"}]}",
                        Map.of()));
    Digest wrong = Digest.of("not the blob".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> stream(wrong))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.status()).isEqualTo(400));
    assertThat(stub.lines())
        .containsExactly(
            "GET /v2/",
            "POST /v2/foo/bar/blobs/uploads/",
            "PATCH /v2/foo/bar/blobs/uploads/s1",
            "PUT /v2/foo/bar/blobs/uploads/s1?state=2&digest=sha256%3A" + wrong.hex(),
            "DELETE /v2/foo/bar/blobs/uploads/s1?state=2");
  }
}
