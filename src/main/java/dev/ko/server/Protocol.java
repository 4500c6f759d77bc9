package dev.ko.server;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The wire format between the client and the server: frames of a type byte, a big-endian 32-bit
 * length and that many bytes. The client sends one {@link #REQUEST}, then {@link #STDIN} data when
 * asked and {@link #CANCEL} on SIGINT/SIGTERM; the server answers {@link #ACCEPTED}, streams {@link
 * #STDOUT} and {@link #STDERR}, asks for input with {@link #STDIN_WANTED}, and ends with {@link
 * #EXIT}. The version is part of the socket's name, so a client only meets a server that speaks its
 * version.
 */
final class Protocol {
  static final int VERSION = 1;

  static final byte REQUEST = 'R';
  static final byte STDIN = 'I';
  static final byte CANCEL = 'C';
  static final byte ACCEPTED = 'A';
  static final byte STDOUT = 'O';
  static final byte STDERR = 'E';
  static final byte STDIN_WANTED = 'N';
  static final byte EXIT = 'X';

  /** Larger frames are refused: a request is arguments and an environment, not a payload. */
  static final int MAX_FRAME = 16 << 20;

  private Protocol() {}

  /** A frame read: its type and its bytes (held as read, not copied). */
  static final class Frame {
    private final byte type;
    private final byte[] payload;

    Frame(byte type, byte[] payload) {
      this.type = type;
      this.payload = payload;
    }

    byte type() {
      return type;
    }

    byte[] payload() {
      return payload;
    }

    int int32() {
      return ByteBuffer.wrap(payload).getInt();
    }
  }

  /**
   * One invocation.
   *
   * @param codeset the client's locale codeset ({@code nl_langinfo(CODESET)}), which a fresh JVM
   *     would print in
   */
  record Request(
      String codeset, String workingDirectory, List<String> args, Map<String, String> env) {
    Request {
      args = List.copyOf(args);
      env = Map.copyOf(env);
    }
  }

  static ByteBuffer frame(byte type, byte[] payload, int offset, int length) {
    ByteBuffer b = ByteBuffer.allocate(5 + length);
    b.put(type).putInt(length).put(payload, offset, length);
    return b.flip();
  }

  static ByteBuffer frame(byte type, int value) {
    return frame(type, ByteBuffer.allocate(4).putInt(value).array(), 0, 4);
  }

  /** The next frame, or null at the end of the stream before a frame started. */
  static Frame read(ReadableByteChannel in) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(5);
    if (!fill(in, head, true)) {
      return null;
    }
    head.flip();
    byte type = head.get();
    int length = head.getInt();
    if (length < 0 || length > MAX_FRAME) {
      throw new IOException("frame of " + Integer.toUnsignedString(length) + " bytes");
    }
    ByteBuffer body = ByteBuffer.allocate(length);
    fill(in, body, false);
    return new Frame(type, body.array());
  }

  private static boolean fill(ReadableByteChannel in, ByteBuffer b, boolean endAllowed)
      throws IOException {
    while (b.hasRemaining()) {
      if (in.read(b) < 0) {
        if (endAllowed && b.position() == 0) {
          return false;
        }
        throw new EOFException("connection closed within a frame");
      }
    }
    return true;
  }

  static Request parseRequest(byte[] payload) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(payload);
    try {
      int version = b.getInt();
      if (version != VERSION) {
        throw new IOException("protocol version " + version + ", want " + VERSION);
      }
      String codeset = string(b);
      String cwd = string(b);
      int argc = b.getInt();
      List<String> args = new ArrayList<>();
      for (int i = 0; i < argc; i++) {
        args.add(string(b));
      }
      int envc = b.getInt();
      Map<String, String> env = new LinkedHashMap<>();
      for (int i = 0; i < envc; i++) {
        String entry = string(b);
        int eq = entry.indexOf('=');
        if (eq > 0) {
          env.putIfAbsent(entry.substring(0, eq), entry.substring(eq + 1));
        }
      }
      return new Request(codeset, cwd, args, env);
    } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
      throw new IOException("malformed request", e);
    }
  }

  private static String string(ByteBuffer b) {
    int n = b.getInt();
    if (n < 0 || n > b.remaining()) {
      throw new IllegalArgumentException("string of " + n + " bytes");
    }
    byte[] s = new byte[n];
    b.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }

  /** A request as the client encodes it (for tests that speak the protocol themselves). */
  static byte[] encodeRequest(Request r) {
    List<byte[]> parts = new ArrayList<>();
    parts.add(utf8(r.codeset()));
    parts.add(utf8(r.workingDirectory()));
    int size = 4 + 4 + 4;
    for (byte[] p : parts) {
      size += 4 + p.length;
    }
    List<byte[]> args = r.args().stream().map(Protocol::utf8).toList();
    List<byte[]> env =
        r.env().entrySet().stream().map(e -> utf8(e.getKey() + "=" + e.getValue())).toList();
    for (byte[] a : args) {
      size += 4 + a.length;
    }
    for (byte[] e : env) {
      size += 4 + e.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putInt(VERSION);
    for (byte[] p : parts) {
      b.putInt(p.length).put(p);
    }
    b.putInt(args.size());
    args.forEach(a -> b.putInt(a.length).put(a));
    b.putInt(env.size());
    env.forEach(e -> b.putInt(e.length).put(e));
    return b.array();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
