package dev.ko.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A loopback server that answers each request with raw bytes of the test's choosing on a connection
 * of its own, then closes it or holds it open in silence: replies cut off, connections closed
 * before a reply, registries that never answer, which the JDK's HTTP server cannot act.
 */
final class RawStub implements AutoCloseable {
  /** What to do with one request. */
  @SuppressWarnings("ArrayRecordComponent") // written once to the socket; never compared
  record Reply(byte[] bytes, boolean thenSilence) {
    /** Close the connection without a byte. */
    static final Reply CLOSE = new Reply(new byte[0], false);

    /** Keep the connection open and never answer. */
    static final Reply SILENCE = new Reply(new byte[0], true);

    /** A whole answer, closing the connection after it. */
    static Reply of(int status, String headers, String body) {
      return new Reply(
          ("HTTP/1.1 "
                  + status
                  + " X\r\nConnection: close\r\n"
                  + headers
                  + "Content-Length: "
                  + body.length()
                  + "\r\n\r\n"
                  + body)
              .getBytes(StandardCharsets.ISO_8859_1),
          false);
    }

    /** The first {@code n} bytes of this answer, then the connection closes (or falls silent). */
    Reply cut(int n, boolean silence) {
      return new Reply(java.util.Arrays.copyOf(bytes, n), silence);
    }
  }

  private final ServerSocket server;
  private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
  private final CountDownLatch closed = new CountDownLatch(1);

  RawStub(Function<String, Reply> handler) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
    Thread acceptor =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket s = server.accept();
                  Thread t = new Thread(() -> serve(s, handler), "raw-stub-conn");
                  t.setDaemon(true);
                  t.start();
                } catch (IOException e) {
                  return;
                }
              }
            },
            "raw-stub");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void serve(Socket s, Function<String, Reply> handler) {
    try (s) {
      InputStream in = s.getInputStream();
      String head = readHead(in);
      if (head == null) {
        // As a plain HTTP server answers a TLS hello.
        lines.add("NOT-HTTP");
        s.getOutputStream()
            .write(
                "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
        return;
      }
      String line = head.substring(0, head.indexOf("\r\n"));
      long length = 0;
      for (String h : head.split("\r\n", -1)) {
        if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
          length = Long.parseLong(h.substring(15).strip());
        }
      }
      in.readNBytes((int) length);
      String shortLine = line.substring(0, line.lastIndexOf(' '));
      lines.add(shortLine);
      Reply reply = handler.apply(shortLine);
      OutputStream out = s.getOutputStream();
      out.write(reply.bytes());
      out.flush();
      if (reply.thenSilence()) {
        closed.await(60, TimeUnit.SECONDS);
      }
    } catch (IOException | InterruptedException e) {
      // the client went away
    }
  }

  /** The request line and headers, or null when the client sent something else (a TLS hello). */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      b.write(c);
      String s = b.toString(StandardCharsets.ISO_8859_1);
      if (s.endsWith("\r\n\r\n")) {
        return s.startsWith("GET ")
                || s.startsWith("HEAD ")
                || s.startsWith("PUT ")
                || s.startsWith("POST ")
            ? s
            : null;
      }
      if (b.size() > 64 * 1024 || (b.size() == 1 && (c < 'A' || c > 'Z'))) {
        return null;
      }
    }
    return null;
  }

  String host() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** {@code "GET /v2/"} for each request, in order. */
  List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  @Override
  public void close() throws IOException {
    closed.countDown();
    server.close();
  }
}
