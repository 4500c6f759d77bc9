package dev.ko.publish;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a unix socket or plain TCP, one connection per request, as a local daemon's API
 * needs (the JDK's HttpClient speaks neither unix sockets nor unbounded streamed bodies to them). A
 * request body is sent chunked; an answer is read by its Content-Length, its chunks, or up to the
 * end of the connection. Connecting and every read and write give up after their time limit with a
 * {@link SocketTimeoutException}, so a hung peer makes the caller fail instead of waiting forever.
 *
 * @param address where the peer listens
 * @param authority the Host header's value (any name will do on a unix socket)
 * @param peer what messages call the other end, e.g. {@code "the Docker daemon"}
 * @param connectTimeout the longest wait for the connection
 * @param ioTimeout the longest silence while sending or waiting for an answer
 */
record SocketHttpClient(
    SocketAddress address,
    String authority,
    String peer,
    Duration connectTimeout,
    Duration ioTimeout) {

  /** Writes a request body. */
  @FunctionalInterface
  interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  /** An answer: its status code and its whole body, de-chunked. */
  static final class Response {
    private final int status;
    private final byte[] body;

    Response(int status, byte[] body) {
      this.status = status;
      this.body = body;
    }

    int status() {
      return status;
    }

    /** The body's bytes, not a copy: the caller owns the answer. */
    byte[] body() {
      return body;
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** The same client with other time limits. */
  SocketHttpClient withTimeouts(Duration connect, Duration io) {
    return new SocketHttpClient(address, authority, peer, connect, io);
  }

  /**
   * A new connection; a {@link SocketTimeoutException} when the peer does not accept it within
   * {@link #connectTimeout}.
   */
  Connection connect() throws IOException {
    return new Connection(TimedChannel.connect(address, connectTimeout, ioTimeout, peer));
  }

  /** One connection, for one request; closing it closes the socket. */
  final class Connection implements AutoCloseable {
    private final TimedChannel channel;

    private Connection(TimedChannel channel) {
      this.channel = channel;
    }

    /**
     * Sends one request ({@code body} null for none) and reads the answer. When sending the body
     * fails but the peer answered with an error, the answer is returned: it says more than a broken
     * pipe. A {@link SocketTimeoutException} means nothing moved for {@link #ioTimeout}.
     */
    Response exchange(String method, String path, String contentType, Body body)
        throws IOException {
      OutputStream raw = new BufferedOutputStream(channel.out(), 1 << 16);
      StringBuilder head =
          new StringBuilder()
              .append(method)
              .append(' ')
              .append(path)
              .append(" HTTP/1.1\r\n")
              .append("Host: ")
              .append(authority)
              .append("\r\n")
              .append("User-Agent: ko-jvm\r\n")
              .append("Connection: close\r\n");
      if (body != null) {
        head.append("Content-Type: ")
            .append(contentType)
            .append("\r\nTransfer-Encoding: chunked\r\n");
      } else {
        head.append("Content-Length: 0\r\n");
      }
      head.append("\r\n");
      raw.write(head.toString().getBytes(StandardCharsets.US_ASCII));
      IOException writeFailure = null;
      if (body != null) {
        ChunkedOutputStream chunked = new ChunkedOutputStream(raw);
        try {
          body.writeTo(chunked);
          chunked.finish();
        } catch (SocketTimeoutException e) {
          throw e; // no point waiting as long again for an answer
        } catch (IOException e) {
          // The peer may have answered and closed early; its answer says more than a broken pipe.
          writeFailure = e;
        }
      }
      try {
        raw.flush();
      } catch (SocketTimeoutException e) {
        throw e;
      } catch (IOException e) {
        if (writeFailure == null) {
          writeFailure = e;
        }
      }
      Response r;
      try {
        r = readResponse(new BufferedInputStream(channel.in()));
      } catch (IOException e) {
        throw writeFailure != null ? writeFailure : e;
      }
      if (writeFailure != null && r.status < 300) {
        throw writeFailure;
      }
      return r;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  private Response readResponse(InputStream in) throws IOException {
    String status = line(in);
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException(peer + " sent no HTTP answer: " + status);
    }
    int code = Integer.parseInt(parts[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(in); !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      if (colon > 0) {
        headers.put(
            h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if ("chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))) {
      while (true) {
        String size = line(in);
        int semi = size.indexOf(';');
        int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).strip(), 16);
        if (n == 0) {
          break;
        }
        body.write(in.readNBytes(n));
        line(in);
      }
    } else if (headers.containsKey("content-length")) {
      body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
    } else {
      in.transferTo(body);
    }
    return new Response(code, body.toByteArray());
  }

  private String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        b.write(c);
      }
    }
    if (c < 0 && b.size() == 0) {
      throw new IOException(peer + " closed the connection without an answer");
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  /**
   * A socket (unix or TCP) in non-blocking mode behind streams that wait for it with a selector, so
   * connecting, reading and writing each give up after their time limit with a {@link
   * SocketTimeoutException}. (A blocking {@code SocketChannel} has no time limits at all.)
   */
  private static final class TimedChannel implements AutoCloseable {
    private final SocketChannel channel;
    private final Selector selector;
    private final long ioMillis;
    private final String peer;

    private TimedChannel(SocketChannel channel, Selector selector, long ioMillis, String peer) {
      this.channel = channel;
      this.selector = selector;
      this.ioMillis = ioMillis;
      this.peer = peer;
    }

    static TimedChannel connect(
        SocketAddress address, Duration connectTimeout, Duration ioTimeout, String peer)
        throws IOException {
      SocketChannel channel =
          address instanceof UnixDomainSocketAddress
              ? SocketChannel.open(StandardProtocolFamily.UNIX)
              : SocketChannel.open();
      Selector selector = null;
      try {
        channel.configureBlocking(false);
        selector = Selector.open();
        TimedChannel timed = new TimedChannel(channel, selector, ioTimeout.toMillis(), peer);
        if (!channel.connect(address)) {
          timed.await(SelectionKey.OP_CONNECT, connectTimeout.toMillis());
          channel.finishConnect();
        }
        return timed;
      } catch (IOException | RuntimeException e) {
        channel.close();
        if (selector != null) {
          selector.close();
        }
        throw e;
      }
    }

    /** Waits until the channel is ready for {@code op}, at most {@code millis}. */
    private void await(int op, long millis) throws IOException {
      SelectionKey key = channel.register(selector, op);
      try {
        if (selector.select(millis) == 0) {
          if (Thread.interrupted()) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while talking to " + peer);
          }
          throw new SocketTimeoutException("no progress within " + millis + " ms");
        }
      } finally {
        key.interestOps(0);
        selector.selectedKeys().clear();
      }
    }

    InputStream in() {
      return new InputStream() {
        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (len == 0) {
            return 0;
          }
          ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
          int n;
          while ((n = channel.read(buffer)) == 0) {
            await(SelectionKey.OP_READ, ioMillis);
          }
          return n;
        }
      };
    }

    OutputStream out() {
      return new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
          while (buffer.hasRemaining()) {
            if (channel.write(buffer) == 0) {
              await(SelectionKey.OP_WRITE, ioMillis);
            }
          }
        }
      };
    }

    @Override
    public void close() throws IOException {
      try {
        selector.close();
      } finally {
        channel.close();
      }
    }
  }

  /** HTTP/1.1 chunked transfer coding; {@link #finish()} writes the last chunk. */
  private static final class ChunkedOutputStream extends FilterOutputStream {
    ChunkedOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return;
      }
      out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(b, off, len);
      out.write('\r');
      out.write('\n');
    }

    void finish() throws IOException {
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void close() {
      // the connection is closed by its owner
    }
  }
}
