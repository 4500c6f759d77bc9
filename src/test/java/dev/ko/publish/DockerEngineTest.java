package dev.ko.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Protocol edge cases of the Engine API client, against a one-shot unix socket stub. */
class DockerEngineTest {
  @TempDir Path tmp;

  /**
   * Answers one connection with {@code response}; completes with the request it read (head + body).
   */
  private CompletableFuture<String> serveOnce(Path socket, String response) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    return CompletableFuture.supplyAsync(
        () -> {
          try (server;
              SocketChannel c = server.accept()) {
            InputStream in = Channels.newInputStream(c);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            // Read the head, then a chunked body up to its last chunk, if any.
            while (!got.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
              got.write(in.read());
            }
            if (got.toString(StandardCharsets.ISO_8859_1).contains("chunked")) {
              while (!got.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n0\r\n\r\n")) {
                got.write(in.read());
              }
            }
            c.write(java.nio.ByteBuffer.wrap(response.getBytes(StandardCharsets.UTF_8)));
            return got.toString(StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  @Test
  void loadStreamsAChunkedTarAndReportsErrorsSentInsideA200() throws Exception {
    Path socket = tmp.resolve("d.sock");
    CompletableFuture<String> request =
        serveOnce(
            socket,
            "HTTP/1.1 200 OK\r\n"
                + "Content-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n"
                + "44\r\n"
                + "{\"errorDetail\":{\"message\":\"no space left\"},\"error\":\"no space"
                + " left\"}\n\r\n"
                + "0\r\n\r\n");
    DockerEngine engine = DockerEngine.fromDockerHost("unix://" + socket, false);
    assertThatThrownBy(
            () -> engine.load(out -> out.write("tar bytes".getBytes(StandardCharsets.UTF_8))))
        .hasMessage("loading image into unix://" + socket + ": no space left");
    assertThat(request.get())
        .startsWith("POST /images/load?quiet=1 HTTP/1.1\r\n")
        .contains("Transfer-Encoding: chunked\r\n")
        .endsWith("\r\n\r\n9\r\ntar bytes\r\n0\r\n\r\n");
  }

  @Test
  void tagSendsRepoAndTagAndReportsTheEnginesMessage() throws Exception {
    Path socket = tmp.resolve("t.sock");
    CompletableFuture<String> request =
        serveOnce(
            socket,
            "HTTP/1.1 404 Not Found\r\nContent-Length: 34\r\n\r\n"
                + "{\"message\":\"No such image: x:abc\"}");
    DockerEngine engine = DockerEngine.fromDockerHost("unix://" + socket, false);
    assertThatThrownBy(() -> engine.tag("ko.local/x:abc", "ko.local/x", "v1"))
        .hasMessageContaining("No such image: x:abc (status 404)");
    assertThat(request.get())
        .startsWith("POST /images/ko.local/x:abc/tag?repo=ko.local%2Fx&tag=v1 HTTP/1.1\r\n");
  }

  @Test
  void aDaemonThatNeverAnswersIsGivenUpOn() throws Exception {
    Path socket = tmp.resolve("hung.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      CompletableFuture<SocketChannel> accepted =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return server.accept(); // and then never reads or answers
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      DockerEngine engine =
          DockerEngine.fromDockerHost("unix://" + socket, false)
              .withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(500));
      long start = System.nanoTime();
      assertThatThrownBy(() -> engine.tag("ko.local/x:abc", "ko.local/x", "v1"))
          .hasMessage(
              "the Docker daemon at unix://"
                  + socket
                  + " stopped responding: nothing sent or received for 500 ms");
      // A body the daemon does not read: writing stops making progress.
      assertThatThrownBy(
              () ->
                  engine.load(
                      out -> {
                        byte[] chunk = new byte[1 << 20];
                        for (int i = 0; i < 256; i++) {
                          out.write(chunk);
                        }
                      }))
          .hasMessageContaining("stopped responding");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
      accepted.get().close();
    }
  }

  @Test
  void aDaemonThatDoesNotAcceptIsGivenUpOn() throws Exception {
    // A listening TCP socket whose accept queue is full drops further connection attempts.
    try (ServerSocket server =
        new ServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
      List<Socket> queued = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          Socket s = new Socket();
          try {
            s.connect(server.getLocalSocketAddress(), 300);
            queued.add(s);
          } catch (IOException e) {
            s.close();
          }
        }
        DockerEngine engine =
            DockerEngine.fromDockerHost("tcp://127.0.0.1:" + server.getLocalPort(), false)
                .withTimeouts(Duration.ofMillis(500), Duration.ofMillis(500));
        long start = System.nanoTime();
        assertThatThrownBy(() -> engine.tag("a", "b", "c"))
            .hasMessageStartingWith(
                "cannot connect to the Docker daemon at tcp://127.0.0.1:" + server.getLocalPort());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
      } finally {
        for (Socket s : queued) {
          s.close();
        }
      }
    }
  }

  @Test
  void dockerHostForms() {
    assertThatThrownBy(() -> DockerEngine.fromDockerHost("npipe:////./pipe/docker_engine", false))
        .hasMessageStartingWith("unsupported DOCKER_HOST \"npipe:");
    assertThatThrownBy(() -> DockerEngine.fromDockerHost("tcp://h:2376", true))
        .hasMessageContaining("DOCKER_TLS_VERIFY is not supported");
    DockerEngine.fromDockerHost("tcp://127.0.0.1:2375", false);
    DockerEngine.fromDockerHost("", false);
  }
}
