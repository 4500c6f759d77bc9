package dev.ko.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 proxy on loopback in front of a real registry that fails a share of the requests,
 * drawn from a seeded {@link Random}: a 500, a 503, a 429 with {@code Retry-After: 0}, the
 * connection closed before any reply (after the registry got the request, half the time), or the
 * reply cut off halfway. Anything that is not HTTP (a TLS hello) is answered as a plain server
 * would. Bounded: at most {@value #MAX_CONNECTIONS} connections, bodies up to {@value #MAX_BODY}
 * bytes, idle connections closed after 30 s.
 */
public final class FaultProxy implements AutoCloseable {
  /** The ways a request fails. */
  public enum Fault {
    STATUS_500,
    STATUS_503,
    STATUS_429,
    CLOSED_BEFORE_REPLY,
    CUT_HALFWAY
  }

  static final int MAX_CONNECTIONS = 256;
  static final int MAX_BODY = 256 << 20;

  private final ServerSocket server;
  private final InetSocketAddress upstream;
  private final double rate;
  private final Random random;
  private final ThreadPoolExecutor pool;
  private final AtomicInteger requests = new AtomicInteger();
  private final Map<Fault, AtomicInteger> faults = new EnumMap<>(Fault.class);
  private volatile boolean faulty = true;
  private volatile String onlyMethod;

  private FaultProxy(String upstreamHostPort, double rate, long seed) throws IOException {
    int colon = upstreamHostPort.lastIndexOf(':');
    this.upstream =
        new InetSocketAddress(
            upstreamHostPort.substring(0, colon),
            Integer.parseInt(upstreamHostPort.substring(colon + 1)));
    if (!upstream.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException("the fault proxy fronts loopback registries only");
    }
    this.rate = rate;
    this.random = new Random(seed);
    for (Fault f : Fault.values()) {
      faults.put(f, new AtomicInteger());
    }
    this.server = new ServerSocket(0, 128, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
    AtomicInteger n = new AtomicInteger();
    this.pool =
        new ThreadPoolExecutor(
            0,
            MAX_CONNECTIONS,
            5,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(r, "fault-proxy-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    Thread acceptor = new Thread(this::accept, "fault-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * A proxy in front of {@code upstream} ({@code 127.0.0.1:PORT}) failing {@code rate} of requests.
   */
  public static FaultProxy start(String upstream, double rate, long seed) throws IOException {
    return new FaultProxy(upstream, rate, seed);
  }

  /** {@code 127.0.0.1:PORT}, as a registry name. */
  public String host() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** Whether faults are injected (a test may set up through the proxy without them). */
  public void faulty(boolean on) {
    faulty = on;
  }

  /** Faults only requests of {@code method} (null: any); the others pass untouched. */
  public void onlyFaulting(String method) {
    onlyMethod = method;
  }

  public int requests() {
    return requests.get();
  }

  /** How many requests failed each way. */
  public Map<Fault, Integer> faults() {
    Map<Fault, Integer> out = new EnumMap<>(Fault.class);
    faults.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  public int faultCount() {
    return faults.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  private void accept() {
    while (!server.isClosed()) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return;
      }
      try {
        pool.execute(() -> serve(s));
      } catch (RejectedExecutionException e) {
        closeQuietly(s);
      }
    }
  }

  /** One client connection, request after request, over one upstream connection. */
  private void serve(Socket client) {
    Socket up = null;
    InputStream upIn = null;
    try (client) {
      client.setSoTimeout(30_000);
      InputStream in = new BufferedInputStream(client.getInputStream());
      OutputStream out = client.getOutputStream();
      while (true) {
        Message request = Message.read(in, true, null);
        if (request == null) {
          return;
        }
        if (!request.http) {
          out.write(
              "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
                  .getBytes(StandardCharsets.ISO_8859_1));
          return;
        }
        requests.incrementAndGet();
        String only = onlyMethod;
        Fault fault = only == null || only.equals(request.method) ? draw() : null;
        if (fault != null) {
          faults.get(fault).incrementAndGet();
        }
        if (fault == Fault.STATUS_500 || fault == Fault.STATUS_503 || fault == Fault.STATUS_429) {
          String status =
              switch (fault) {
                case STATUS_500 -> "500 Internal Server Error";
                case STATUS_503 -> "503 Service Unavailable";
                default -> "429 Too Many Requests\r\nRetry-After: 0";
              };
          out.write(
              ("HTTP/1.1 " + status + "\r\nContent-Length: 0\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          continue;
        }
        if (fault == Fault.CLOSED_BEFORE_REPLY && !coin()) {
          return;
        }
        if (up == null || up.isClosed()) {
          up = new Socket();
          up.connect(upstream, 10_000);
          up.setSoTimeout(60_000);
          upIn = new BufferedInputStream(up.getInputStream());
        }
        up.getOutputStream().write(request.bytes);
        up.getOutputStream().flush();
        Message reply = Message.read(upIn, false, request.method);
        if (reply == null) {
          return;
        }
        if (reply.untilClose) {
          closeQuietly(up);
        }
        if (fault == Fault.CLOSED_BEFORE_REPLY) {
          return;
        }
        if (fault == Fault.CUT_HALFWAY) {
          out.write(Arrays.copyOf(reply.bytes, reply.bytes.length / 2));
          out.flush();
          return;
        }
        out.write(reply.bytes);
        out.flush();
        if (reply.untilClose) {
          return;
        }
      }
    } catch (IOException e) {
      // either side went away: so does the other
    } finally {
      if (up != null) {
        closeQuietly(up);
      }
    }
  }

  private Fault draw() {
    synchronized (random) {
      if (!faulty || random.nextDouble() >= rate) {
        return null;
      }
      return Fault.values()[random.nextInt(Fault.values().length)];
    }
  }

  private boolean coin() {
    synchronized (random) {
      return random.nextBoolean();
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    pool.shutdownNow();
  }

  /** One HTTP message, its raw bytes as received. */
  private static final class Message {
    final byte[] bytes;
    final boolean http;
    final String method;
    final boolean untilClose;

    private Message(byte[] bytes, boolean http, String method, boolean untilClose) {
      this.bytes = bytes;
      this.http = http;
      this.method = method;
      this.untilClose = untilClose;
    }

    /**
     * A request ({@code isRequest}) or the reply to {@code requestMethod}; null at the end of the
     * stream before a message starts.
     */
    static Message read(InputStream in, boolean isRequest, String requestMethod)
        throws IOException {
      ByteArrayOutputStream raw = new ByteArrayOutputStream();
      int first = in.read();
      if (first < 0) {
        return null;
      }
      if (isRequest && (first < 'A' || first > 'Z')) {
        return new Message(new byte[0], false, "", true);
      }
      raw.write(first);
      String head = readHead(in, raw);
      String[] lines = head.split("\r\n", -1);
      String method = isRequest ? lines[0].substring(0, lines[0].indexOf(' ')) : requestMethod;
      long length = -1;
      boolean chunked = false;
      for (int i = 1; i < lines.length; i++) {
        String l = lines[i].toLowerCase(Locale.ROOT);
        if (l.startsWith("content-length:")) {
          length = Long.parseLong(l.substring(15).strip());
        } else if (l.startsWith("transfer-encoding:") && l.contains("chunked")) {
          chunked = true;
        }
      }
      boolean untilClose = false;
      if (!isRequest) {
        int status = Integer.parseInt(lines[0].split(" ", 3)[1]);
        if (requestMethod.equals("HEAD") || status == 204 || status == 304 || status < 200) {
          return new Message(raw.toByteArray(), true, method, false);
        }
      }
      if (chunked) {
        readChunked(in, raw);
      } else if (length >= 0) {
        copy(in, raw, length);
      } else if (!isRequest) {
        untilClose = true;
        copy(in, raw, Long.MAX_VALUE);
      }
      return new Message(raw.toByteArray(), true, method, untilClose);
    }

    private static String readHead(InputStream in, ByteArrayOutputStream raw) throws IOException {
      int c;
      int last4 = 0;
      while ((c = in.read()) >= 0) {
        raw.write(c);
        last4 = (last4 << 8) | c;
        if (last4 == 0x0d0a0d0a) {
          return raw.toString(StandardCharsets.ISO_8859_1);
        }
        if (raw.size() > 64 * 1024) {
          throw new IOException("headers too long");
        }
      }
      throw new IOException("end of stream in the headers");
    }

    private static void readChunked(InputStream in, ByteArrayOutputStream raw) throws IOException {
      while (true) {
        String line = readLine(in, raw);
        int semi = line.indexOf(';');
        long size = Long.parseLong((semi < 0 ? line : line.substring(0, semi)).strip(), 16);
        if (size == 0) {
          while (!readLine(in, raw).isEmpty()) {
            // trailers
          }
          return;
        }
        copy(in, raw, size);
        readLine(in, raw);
      }
    }

    private static String readLine(InputStream in, ByteArrayOutputStream raw) throws IOException {
      StringBuilder b = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0) {
        raw.write(c);
        if (c == '\n') {
          int len = b.length();
          return len > 0 && b.charAt(len - 1) == '\r' ? b.substring(0, len - 1) : b.toString();
        }
        b.append((char) c);
      }
      throw new IOException("end of stream in a chunk header");
    }

    private static void copy(InputStream in, ByteArrayOutputStream raw, long n) throws IOException {
      byte[] buf = new byte[64 * 1024];
      long left = n;
      while (left > 0) {
        int r = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (r < 0) {
          if (n == Long.MAX_VALUE) {
            return;
          }
          throw new IOException("end of stream in a body");
        }
        raw.write(buf, 0, r);
        left -= r;
        if (raw.size() > MAX_BODY) {
          throw new IOException("body over " + MAX_BODY + " bytes");
        }
      }
    }
  }
}
