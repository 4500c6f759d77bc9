package dev.ko.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.oci.DockerArchive;
import dev.ko.oci.Image;
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
import java.net.URLEncoder;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The parts of the Docker Engine API that {@code ko.local} needs ({@code POST /images/load}, {@code
 * POST /images/{name}/tag}), over the socket {@code DOCKER_HOST} names: {@code unix://PATH}
 * (default {@code /var/run/docker.sock}) or {@code tcp://HOST:PORT} without TLS. Podman's
 * Docker-compatible service answers the same calls. One connection per call, HTTP/1.1, the request
 * body streamed in chunks. Connecting and every read and write have time limits, so a hung daemon
 * makes ko fail instead of waiting forever.
 */
public final class DockerEngine implements LocalPublisher.Store {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** A local daemon answers a connection at once; this long means it is stuck. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

  /**
   * The longest silence while sending or waiting for an answer. Loading a large image makes the
   * daemon unpack it before it answers, so this is generous.
   */
  static final Duration IO_TIMEOUT = Duration.ofMinutes(5);

  private final String host;
  private final SocketAddress address;
  private final Duration connectTimeout;
  private final Duration ioTimeout;

  private DockerEngine(
      String host, SocketAddress address, Duration connectTimeout, Duration ioTimeout) {
    this.host = host;
    this.address = address;
    this.connectTimeout = connectTimeout;
    this.ioTimeout = ioTimeout;
  }

  /** The same engine with other time limits. */
  DockerEngine withTimeouts(Duration connect, Duration io) {
    return new DockerEngine(host, address, connect, io);
  }

  /** The engine {@code DOCKER_HOST} names; an unsupported form is an error naming it. */
  public static DockerEngine fromDockerHost(String dockerHost, boolean tlsVerify) {
    return of(DockerHost.parse(dockerHost, tlsVerify));
  }

  /** The engine at a checked host. */
  public static DockerEngine of(DockerHost host) {
    return new DockerEngine(host.uri(), host.address(), CONNECT_TIMEOUT, IO_TIMEOUT);
  }

  /** Writes a request body. */
  @FunctionalInterface
  public interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  /** {@code docker load} of a {@code docker save} archive. */
  public void load(Body archive) throws IOException {
    Response r = call("POST", "/images/load?quiet=1", archive);
    if (r.status != 200) {
      throw new IOException("loading image into " + host + ": " + r.error());
    }
    // The engine reports load errors inside a 200 reply, as a JSON message stream.
    for (String line : r.text().split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      try {
        JsonNode n = MAPPER.readTree(line);
        if (n.hasNonNull("error")) {
          throw new IOException("loading image into " + host + ": " + n.get("error").asText());
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        // not a JSON message: nothing to check
      }
    }
  }

  /** {@code docker load} of one image, named {@code reference}. */
  @Override
  public void load(Image image, String reference) throws IOException {
    load(
        out -> {
          BufferedOutputStream buffered = new BufferedOutputStream(out, 1 << 16);
          DockerArchive.write(
              List.of(new DockerArchive.Entry(image, List.of(reference))), buffered);
          buffered.flush();
        });
  }

  /** {@code docker tag SOURCE REPOSITORY:TAG}. */
  @Override
  public void tag(String source, String repository, String tag) throws IOException {
    String path = "/images/" + source + "/tag?repo=" + encode(repository) + "&tag=" + encode(tag);
    Response r = call("POST", path, null);
    if (r.status != 201 && r.status != 200) {
      throw new IOException(
          "tagging " + source + " as " + repository + ":" + tag + " in " + host + ": " + r.error());
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private record Response(int status, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String error() {
      try {
        JsonNode n = MAPPER.readTree(body);
        if (n != null && n.hasNonNull("message")) {
          return n.get("message").asText() + " (status " + status + ")";
        }
      } catch (IOException e) {
        // not JSON
      }
      String t = text().strip();
      int nl = t.indexOf('\n');
      return "status " + status + (t.isEmpty() ? "" : ": " + (nl < 0 ? t : t.substring(0, nl)));
    }
  }

  private Response call(String method, String path, Body body) throws IOException {
    TimedChannel channel;
    try {
      channel = TimedChannel.connect(address, connectTimeout, ioTimeout);
    } catch (SocketTimeoutException e) {
      throw new IOException(
          "cannot connect to the Docker daemon at "
              + host
              + ": no answer within "
              + describe(connectTimeout)
              + " (is the daemon hung? set DOCKER_HOST to use another)",
          e);
    } catch (IOException e) {
      throw new IOException(
          "cannot connect to the Docker daemon at "
              + host
              + ": "
              + reason(e)
              + " (is the daemon running? set DOCKER_HOST to use another)",
          e);
    }
    try (channel) {
      return exchange(channel, method, path, body);
    } catch (SocketTimeoutException e) {
      throw new IOException(
          "the Docker daemon at "
              + host
              + " stopped responding: nothing sent or received for "
              + describe(ioTimeout),
          e);
    }
  }

  private static String describe(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private Response exchange(TimedChannel channel, String method, String path, Body body)
      throws IOException {
    OutputStream raw = new BufferedOutputStream(channel.out(), 1 << 16);
    StringBuilder head =
        new StringBuilder()
            .append(method)
            .append(' ')
            .append(path)
            .append(" HTTP/1.1\r\n")
            .append("Host: docker\r\n")
            .append("User-Agent: ko-jvm\r\n")
            .append("Connection: close\r\n");
    if (body != null) {
      head.append("Content-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n");
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
        // The engine may have answered and closed early; its answer says more than a broken pipe.
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

  private static String reason(IOException e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  private static Response readResponse(InputStream in) throws IOException {
    String status = line(in);
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("the Docker daemon sent no HTTP answer: " + status);
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

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        b.write(c);
      }
    }
    if (c < 0 && b.size() == 0) {
      throw new IOException("the Docker daemon closed the connection without an answer");
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  /**
   * A socket (unix or TCP) in non-blocking mode behind streams that wait for it with a selector, so
   * connecting, reading and writing each give up after their time limit with a {@link
   * SocketTimeoutException}. (A blocking {@code SocketChannel} has no time limits at all.)
   */
  static final class TimedChannel implements AutoCloseable {
    private final SocketChannel channel;
    private final Selector selector;
    private final long ioMillis;

    private TimedChannel(SocketChannel channel, Selector selector, long ioMillis) {
      this.channel = channel;
      this.selector = selector;
      this.ioMillis = ioMillis;
    }

    static TimedChannel connect(SocketAddress address, Duration connectTimeout, Duration ioTimeout)
        throws IOException {
      SocketChannel channel =
          address instanceof UnixDomainSocketAddress
              ? SocketChannel.open(StandardProtocolFamily.UNIX)
              : SocketChannel.open();
      Selector selector = null;
      try {
        channel.configureBlocking(false);
        selector = Selector.open();
        TimedChannel timed = new TimedChannel(channel, selector, ioTimeout.toMillis());
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
            throw new InterruptedIOException("interrupted while talking to the Docker daemon");
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
