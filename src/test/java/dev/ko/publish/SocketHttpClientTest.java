package dev.ko.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.publish.SocketHttpClient.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP/1.1 exchange itself, against a one-connection unix socket peer. */
class SocketHttpClientTest {
  @TempDir Path tmp;

  /** The peer's side of one connection; returns what it read. */
  @FunctionalInterface
  private interface Peer {
    String talk(InputStream in, OutputStream out) throws IOException;
  }

  private SocketHttpClient client;

  /** Serves one connection with {@code peer}; completes with what the peer read. */
  private CompletableFuture<String> serve(Peer peer) throws IOException {
    Path socket = tmp.resolve("peer.sock");
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    client =
        new SocketHttpClient(
            UnixDomainSocketAddress.of(socket),
            "test",
            "the peer",
            Duration.ofSeconds(10),
            Duration.ofSeconds(10));
    return CompletableFuture.supplyAsync(
        () -> {
          try (server;
              SocketChannel c = server.accept()) {
            return peer.talk(Channels.newInputStream(c), Channels.newOutputStream(c));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  /** Reads up to the end of the request head, and of a chunked body when there is one. */
  private static String readRequest(InputStream in) throws IOException {
    String head = readUntil(in, "\r\n\r\n");
    return head.contains("chunked") ? head + readUntil(in, "\r\n0\r\n\r\n") : head;
  }

  private static String readUntil(InputStream in, String end) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    while (!got.toString(StandardCharsets.ISO_8859_1).endsWith(end)) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      got.write(c);
    }
    return got.toString(StandardCharsets.ISO_8859_1);
  }

  private static void send(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  private Response exchange(String contentType, SocketHttpClient.Body body) throws IOException {
    try (SocketHttpClient.Connection c = client.connect()) {
      return c.exchange("POST", "/x?y=1", contentType, body);
    }
  }

  @Test
  void aBodyGoesInChunksAndALengthDelimitedAnswerIsReadToItsLength() throws Exception {
    CompletableFuture<String> request =
        serve(
            (in, out) -> {
              String got = readRequest(in);
              send(out, "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc and no more");
              return got;
            });
    Response r =
        exchange(
            "text/plain",
            out -> {
              out.write('A');
              out.write(new byte[0]); // no empty chunk: that would end the body
              out.write("hello".getBytes(StandardCharsets.US_ASCII));
            });
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.text()).isEqualTo("abc");
    assertThat(request.get())
        .isEqualTo(
            """
            POST /x?y=1 HTTP/1.1\r
            Host: test\r
            User-Agent: ko-jvm\r
            Connection: close\r
            Content-Type: text/plain\r
            Transfer-Encoding: chunked\r
            \r
            1\r
            A\r
            5\r
            hello\r
            0\r
            \r
            """);
  }

  @Test
  void noBodyIsAnEmptyLengthAndAChunkedAnswerIsJoined() throws Exception {
    CompletableFuture<String> request =
        serve(
            (in, out) -> {
              String got = readRequest(in);
              send(
                  out,
                  """
                  HTTP/1.1 200 OK\r
                  Transfer-Encoding: Chunked\r
                  \r
                  3;name=value\r
                  abc\r
                  2\r
                  de\r
                  0\r
                  \r
                  """);
              return got;
            });
    Response r = exchange("ignored/without-a-body", null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).isEqualTo("abcde");
    assertThat(request.get())
        .isEqualTo(
            """
            POST /x?y=1 HTTP/1.1\r
            Host: test\r
            User-Agent: ko-jvm\r
            Connection: close\r
            Content-Length: 0\r
            \r
            """);
  }

  @Test
  void anAnswerWithoutALengthEndsWithTheConnection() throws Exception {
    CompletableFuture<String> request =
        serve(
            (in, out) -> {
              String got = readRequest(in);
              send(out, "HTTP/1.0 404 Not Found\nX-Bare-Newlines: yes\n\nall\nof it");
              return got;
            });
    Response r = exchange(null, null);
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.text()).isEqualTo("all\nof it");
    assertThat(request.get()).endsWith("Content-Length: 0\r\n\r\n");
  }

  @Test
  void anErrorAnsweredBeforeTheBodyWasReadIsReturned() throws Exception {
    CompletableFuture<String> request =
        serve(
            (in, out) -> {
              String got = readUntil(in, "\r\n\r\n"); // and not the body: the peer refuses it
              send(out, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n\r\ntoo big!");
              return got;
            });
    Response r = exchange("application/octet-stream", SocketHttpClientTest::endlessBody);
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.text()).isEqualTo("too big!");
    assertThat(request.get()).contains("Transfer-Encoding: chunked\r\n");
  }

  @Test
  void aSuccessAnsweredBeforeTheBodyWasSentIsNoSuccess() throws Exception {
    CompletableFuture<String> request =
        serve(
            (in, out) -> {
              String got = readUntil(in, "\r\n\r\n");
              send(out, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
              return got;
            });
    assertThatThrownBy(
            () -> exchange("application/octet-stream", SocketHttpClientTest::endlessBody))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(SocketTimeoutException.class);
    assertThat(request.get()).contains("Transfer-Encoding: chunked\r\n");
  }

  /** 256 MiB, more than any socket buffers: the writer must notice the peer stopped reading. */
  private static void endlessBody(OutputStream out) throws IOException {
    byte[] chunk = new byte[1 << 20];
    for (int i = 0; i < 256; i++) {
      out.write(chunk);
    }
  }

  @Test
  void somethingElseThanHttpIsAnError() throws Exception {
    CompletableFuture<String> request =
        serve(
            (in, out) -> {
              String got = readRequest(in);
              send(out, "SSH-2.0-OpenSSH_9.2\r\n");
              return got;
            });
    assertThatThrownBy(() -> exchange(null, null))
        .hasMessage("the peer sent no HTTP answer: SSH-2.0-OpenSSH_9.2");
    assertThat(request.get()).startsWith("POST /x?y=1 HTTP/1.1\r\n");
  }

  @Test
  void aPeerThatClosesWithoutAnsweringIsAnError() throws Exception {
    CompletableFuture<String> request = serve((in, out) -> readRequest(in));
    assertThatThrownBy(() -> exchange(null, null))
        .hasMessage("the peer closed the connection without an answer");
    assertThat(request.get()).startsWith("POST /x?y=1 HTTP/1.1\r\n");
  }

  @Test
  void silenceLongerThanTheIoTimeoutIsATimeout() throws Exception {
    CompletableFuture<String> request =
        serve(
            (in, out) -> {
              String got = readRequest(in);
              readUntil(in, "never sent"); // until the client gives up and closes
              return got;
            });
    client = client.withTimeouts(Duration.ofSeconds(10), Duration.ofMillis(200));
    assertThatThrownBy(() -> exchange(null, null))
        .isInstanceOf(SocketTimeoutException.class)
        .hasMessage("no progress within 200 ms");
    assertThat(request.get()).startsWith("POST /x?y=1 HTTP/1.1\r\n");
  }
}
