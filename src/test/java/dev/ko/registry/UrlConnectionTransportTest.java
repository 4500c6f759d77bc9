package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.name.Registry;
import dev.ko.registry.StubRegistry.Response;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link UrlConnectionTransport}'s own rules, which the shared decorator tests do not reach: a
 * registry that stops reading a streamed body, a challenge to a streamed body, and an interrupted
 * sender.
 */
class UrlConnectionTransportTest {
  private static final Duration SILENCE = Duration.ofMillis(500);

  @Test
  void aRegistryThatStopsReadingAStreamedBodyEndsTheSendAfterTheSilence() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      // Accepts the connection and never reads from it: the socket buffers fill, the send stalls.
      Thread silent =
          new Thread(
              () -> {
                try (Socket s = server.accept()) {
                  s.setReceiveBufferSize(4096);
                  Thread.sleep(20_000);
                } catch (Exception e) {
                  // the test is over
                }
              });
      silent.setDaemon(true);
      silent.start();
      String host = "127.0.0.1:" + server.getLocalPort();
      long size = 512L << 20;
      Request put =
          Request.of(Registry.parse(host), "PUT", URI.create("http://" + host + "/v2/x/blobs/u"))
              .withBody(new Request.Streamed(() -> zeros(size), size));

      long start = System.nanoTime();
      assertThatThrownBy(
              () ->
                  new UrlConnectionTransport(Wire.clients(), "ko-test", SILENCE)
                      .send(put, BodyHandlers.discarding()))
          .hasMessage(
              "PUT http://" + host + "/v2/x/blobs/u: no progress sending the body for 0.5s");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void anInterruptedThreadSendsNothingAndStaysInterrupted() throws Exception {
    Request get =
        Request.of(Registry.parse("127.0.0.1:9"), "GET", URI.create("http://127.0.0.1:9/v2/"));
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(
              () ->
                  new UrlConnectionTransport(Wire.clients(), "ko-test", SILENCE)
                      .send(get, BodyHandlers.discarding()))
          .isInstanceOf(java.io.InterruptedIOException.class)
          .hasMessage("GET http://127.0.0.1:9/v2/: interrupted");
      // Cleared, the flag would let the caller's next wait (a retry's sleep) go on.
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void aChallengeToAStreamedBodyIsAReplyWithItsHeaders() throws Exception {
    try (StubRegistry stub =
        new StubRegistry(
            r ->
                new Response(401, Map.of("WWW-Authenticate", "Bearer realm=\"r\""), new byte[0]))) {
      Request put =
          Request.of(
                  Registry.parse(stub.host()),
                  "PUT",
                  URI.create("http://" + stub.host() + "/v2/x/blobs/u"))
              .withBody(new Request.Streamed(() -> zeros(1000), 1000));

      var r =
          new UrlConnectionTransport(Wire.clients(), "ko-test", SILENCE)
              .send(put, BodyHandlers.ofByteArray());

      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(r.headers().firstValue("www-authenticate")).contains("Bearer realm=\"r\"");
    }
  }

  private static InputStream zeros(long size) {
    return new InputStream() {
      private long left = size;

      @Override
      public int read() {
        if (left == 0) {
          return -1;
        }
        left--;
        return 0;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left == 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        java.util.Arrays.fill(b, off, off + n, (byte) 0);
        left -= n;
        return n;
      }
    };
  }
}
