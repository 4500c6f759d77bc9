package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.ko.name.Repository;
import dev.ko.oci.Digest;
import dev.ko.registry.StubRegistry.Response;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RegistryClient#uploadBlob}: a failed attempt starts over with a new upload session (the
 * old one may have died with the failure), and every stream opened from the source is closed.
 */
class UploadBlobTest {
  private static final byte[] BLOB = "0123456789".repeat(10_000).getBytes(StandardCharsets.UTF_8);
  private static final Digest DIGEST = Digest.of(BLOB);
  private static final String PUT_QUERY = "digest=sha256%3A" + DIGEST.hex();

  private StubRegistry stub;
  private final List<TrackedStream> opened = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    if (stub != null) {
      stub.close();
    }
  }

  /** A source stream that remembers whether it was closed, and can break after its first read. */
  private final class TrackedStream extends FilterInputStream {
    private final boolean breaks;
    private int reads;
    volatile boolean closed;

    TrackedStream(boolean breaks) {
      super(new ByteArrayInputStream(BLOB));
      this.breaks = breaks;
      opened.add(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (breaks && reads++ > 0) {
        throw new IOException("connection reset by the base registry");
      }
      return super.read(b, off, Math.min(len, 1024));
    }

    @Override
    public void close() throws IOException {
      closed = true;
      super.close();
    }
  }

  /** A registry that opens sessions u1, u2, ... and answers each PUT as {@code putStatus} says. */
  private StubRegistry registry(java.util.function.IntUnaryOperator putStatus) throws IOException {
    AtomicInteger sessions = new AtomicInteger();
    AtomicInteger puts = new AtomicInteger();
    return new StubRegistry(
        r -> {
          if (r.pathAndQuery().equals("/v2/")) {
            return Response.of(200);
          }
          if (r.method().equals("HEAD")) {
            return Response.of(404);
          }
          if (r.method().equals("POST")) {
            return new Response(
                202,
                Map.of("Location", "/v2/foo/bar/blobs/uploads/u" + sessions.incrementAndGet()),
                new byte[0]);
          }
          return Response.of(putStatus.applyAsInt(puts.incrementAndGet()));
        });
  }

  private RegistryClient.Upload upload(RegistryClient.BlobSource source) throws IOException {
    Repository repo = Repository.parse(stub.host() + "/foo/bar");
    return RegistryClientTest.client(Keychain.ANONYMOUS)
        .pusher(repo, List.of())
        .uploadBlob(DIGEST, BLOB.length, source, Optional.empty());
  }

  @Test
  void aFailedPutStartsANewUploadSession() throws Exception {
    stub = registry(put -> put == 1 ? 503 : 201);

    assertThat(upload(() -> new TrackedStream(false))).isEqualTo(RegistryClient.Upload.PUSHED);

    assertThat(stub.lines())
        .containsExactly(
            "GET /v2/",
            "POST /v2/foo/bar/blobs/uploads/",
            "PUT /v2/foo/bar/blobs/uploads/u1?" + PUT_QUERY,
            "HEAD /v2/foo/bar/blobs/" + DIGEST,
            "POST /v2/foo/bar/blobs/uploads/",
            "PUT /v2/foo/bar/blobs/uploads/u2?" + PUT_QUERY);
    assertThat(stub.requests().get(5).body()).isEqualTo(BLOB);
    assertThat(opened).hasSize(2).allMatch(s -> s.closed);
  }

  /** A registry whose PUTs are answered {@code BLOB_UPLOAD_INVALID} while {@code invalid} says. */
  private StubRegistry refusingSessions(java.util.function.IntPredicate invalid)
      throws IOException {
    return refusingSessions(
        invalid,
        Response.json(
            400,
            "{\"errors\":[{\"code\":\"BLOB_UPLOAD_INVALID\",\"message\":\"blob upload"
                + " invalid\"}]}",
            Map.of()));
  }

  /** A registry whose PUTs are answered {@code refusal} while {@code invalid} says. */
  private StubRegistry refusingSessions(java.util.function.IntPredicate invalid, Response refusal)
      throws IOException {
    AtomicInteger sessions = new AtomicInteger();
    AtomicInteger puts = new AtomicInteger();
    return new StubRegistry(
        r -> {
          if (r.pathAndQuery().equals("/v2/")) {
            return Response.of(200);
          }
          if (r.method().equals("POST")) {
            return new Response(
                202,
                Map.of("Location", "/v2/foo/bar/blobs/uploads/u" + sessions.incrementAndGet()),
                new byte[0]);
          }
          if (r.method().equals("PUT") && invalid.test(puts.incrementAndGet())) {
            return refusal;
          }
          return Response.of(201);
        });
  }

  @Test
  void aSessionTheRegistryRefusesIsRenewed() throws Exception {
    stub = refusingSessions(put -> put == 1);

    assertThat(upload(() -> new TrackedStream(false))).isEqualTo(RegistryClient.Upload.PUSHED);

    assertThat(stub.lines())
        .containsExactly(
            "GET /v2/",
            "POST /v2/foo/bar/blobs/uploads/",
            "PUT /v2/foo/bar/blobs/uploads/u1?" + PUT_QUERY,
            "POST /v2/foo/bar/blobs/uploads/",
            "PUT /v2/foo/bar/blobs/uploads/u2?" + PUT_QUERY);
  }

  @Test
  void aSessionAnswered404WithoutAnErrorBodyIsRenewed() throws Exception {
    // What the client sees when the 404's reply (BLOB_UPLOAD_UNKNOWN) is cut inside its headers.
    stub = refusingSessions(put -> put == 1, Response.of(404));

    assertThat(upload(() -> new TrackedStream(false))).isEqualTo(RegistryClient.Upload.PUSHED);

    assertThat(stub.lines())
        .filteredOn(l -> l.startsWith("PUT "))
        .containsExactly(
            "PUT /v2/foo/bar/blobs/uploads/u1?" + PUT_QUERY,
            "PUT /v2/foo/bar/blobs/uploads/u2?" + PUT_QUERY);
  }

  @Test
  void aSessionRefusedAgainAndAgainIsTheRegistrysWord() throws Exception {
    stub = refusingSessions(put -> true);

    assertThatThrownBy(() -> upload(() -> new TrackedStream(false)))
        .hasMessageContaining("BLOB_UPLOAD_INVALID");
    assertThat(stub.lines())
        .filteredOn(l -> l.startsWith("PUT "))
        .hasSize(BlobUploads.MAX_SESSION_RENEWALS + 1);
  }

  @Test
  void aSourceThatBreaksMidUploadIsClosedAndReopenedForANewSession() throws Exception {
    stub = registry(put -> 201);
    AtomicInteger opens = new AtomicInteger();

    assertThat(upload(() -> new TrackedStream(opens.incrementAndGet() == 1)))
        .isEqualTo(RegistryClient.Upload.PUSHED);

    assertThat(opened).hasSize(2);
    assertThat(opened.get(0).closed).as("the stream of the failed attempt is closed").isTrue();
    assertThat(opened.get(1).closed).isTrue();
    List<String> lines = stub.lines();
    assertThat(lines).filteredOn(l -> l.startsWith("POST ")).hasSize(2);
    assertThat(lines.get(lines.size() - 1))
        .isEqualTo("PUT /v2/foo/bar/blobs/uploads/u2?" + PUT_QUERY);
    assertThat(stub.requests().get(stub.requests().size() - 1).body()).isEqualTo(BLOB);
  }

  @Test
  void aPutRefusedBeforeTheBodyWasReadLeavesNoStreamOpen() throws Exception {
    // A registry that answers the first PUT at once, without reading the 32 MiB body: the JDK
    // closes a body stream only at its end, which this attempt never reaches.
    HttpServer server =
        HttpServer.create(
            new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
    AtomicInteger sessions = new AtomicInteger();
    AtomicInteger puts = new AtomicInteger();
    List<String> lines = new CopyOnWriteArrayList<>();
    server.createContext(
        "/",
        ex -> {
          lines.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
          try (ex) {
            if (ex.getRequestURI().getPath().equals("/v2/")) {
              ex.sendResponseHeaders(200, -1);
            } else if (ex.getRequestMethod().equals("POST")) {
              ex.getResponseHeaders()
                  .set("Location", "/v2/foo/bar/blobs/uploads/u" + sessions.incrementAndGet());
              ex.sendResponseHeaders(202, -1);
            } else if (puts.incrementAndGet() == 1) {
              ex.sendResponseHeaders(503, -1);
            } else {
              ex.getRequestBody().transferTo(OutputStream.nullOutputStream());
              ex.sendResponseHeaders(201, -1);
            }
          }
        });
    server.start();
    long size = 32L << 20;
    List<LargeStream> streams = new CopyOnWriteArrayList<>();
    try {
      Repository repo = Repository.parse("127.0.0.1:" + server.getAddress().getPort() + "/foo/bar");
      RegistryClient.Upload upload =
          RegistryClientTest.client(Keychain.ANONYMOUS)
              .pusher(repo, List.of())
              .uploadBlob(
                  DIGEST,
                  size,
                  () -> {
                    LargeStream s = new LargeStream(size);
                    streams.add(s);
                    return s;
                  },
                  Optional.empty());
      assertThat(upload).isEqualTo(RegistryClient.Upload.PUSHED);
    } finally {
      server.stop(0);
    }
    assertThat(lines)
        .containsSubsequence(
            "PUT /v2/foo/bar/blobs/uploads/u1",
            "POST /v2/foo/bar/blobs/uploads/",
            "PUT /v2/foo/bar/blobs/uploads/u2");
    assertThat(streams).hasSizeGreaterThanOrEqualTo(2);
    assertThat(streams.get(0).served.get())
        .as("the first attempt did not reach the end")
        .isLessThan(size);
    assertThat(streams).as("every stream closed").allMatch(s -> s.closed);
  }

  /** Zeros, as many as asked for, made up as they are read. */
  private static final class LargeStream extends InputStream {
    private final long size;
    final AtomicLong served = new AtomicLong();
    volatile boolean closed;

    LargeStream(long size) {
      this.size = size;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : 0;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      // One reader at a time; the count is read by the test thread.
      long so = served.get();
      if (so >= size) {
        return -1;
      }
      int n = (int) Math.min(len, size - so);
      java.util.Arrays.fill(b, off, off + n, (byte) 0);
      served.addAndGet(n);
      return n;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @Test
  void persistentFailuresGiveUpWhenTheBudgetIsSpentAndAClientErrorAtOnce() throws Exception {
    stub = registry(put -> 500);
    assertThatThrownBy(() -> upload(() -> new TrackedStream(false)))
        .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isEqualTo(500))
        .hasMessageMatching(
            "uploading "
                + DIGEST
                + " to "
                + stub.host().replace(".", "\\.")
                + "/foo/bar failed after \\d+ attempts in 1\\.\\ds: PUT"
                + " http://.*/v2/foo/bar/blobs/uploads/u\\d+\\?digest=\\S+: unexpected status code"
                + " 500 Internal Server Error");
    long posts = stub.lines().stream().filter(l -> l.startsWith("POST ")).count();
    assertThat(posts).as("within 1 s").isGreaterThan(2);
    assertThat(stub.lines()).filteredOn(l -> l.startsWith("PUT ")).hasSize((int) posts);
    assertThat(stub.lines())
        .as("each failure asks whether the blob landed anyway")
        .filteredOn(l -> l.startsWith("HEAD "))
        .hasSize((int) posts);
    assertThat(opened).hasSize((int) posts).allMatch(s -> s.closed);
    stub.close();

    opened.clear();
    stub = registry(put -> 400);
    assertThatThrownBy(() -> upload(() -> new TrackedStream(false)))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.status()).isEqualTo(400));
    assertThat(stub.lines()).filteredOn(l -> l.startsWith("PUT ")).hasSize(1);
    assertThat(opened).hasSize(1).allMatch(s -> s.closed);
  }

  @Test
  void aSourceThatCannotBeOpenedFailsTheUploadWithItsReason() throws Exception {
    stub = registry(put -> 201);
    assertThatThrownBy(
            () ->
                upload(
                    () -> {
                      throw new RegistryException(
                          "GET", "https://base.example/v2/x/blobs/sha256:0", 404, List.of());
                    }))
        .hasMessageContaining(
            "GET https://base.example/v2/x/blobs/sha256:0: unexpected status code 404 Not Found");
    assertThat(stub.lines())
        .as("a missing base blob will not reappear")
        .filteredOn(l -> l.startsWith("POST "))
        .hasSize(1);
  }
}
