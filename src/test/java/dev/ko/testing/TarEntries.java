package dev.ko.testing;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads tar (or tar+gzip) bytes into entries, with PAX records, independently of the code under
 * test: tests use it to look at the layers we pushed.
 */
public final class TarEntries {
  private TarEntries() {}

  /** One entry; PAX values are raw bytes (capabilities are binary). */
  public record Entry(String name, char type, int mode, long uid, long gid, long mtime, Map<String, byte[]> pax, byte[] content) {
    public String paxString(String key) {
      byte[] v = pax.get(key);
      return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }
  }

  public static List<Entry> readGzip(byte[] gzip) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
      return read(in.readAllBytes());
    }
  }

  public static List<Entry> read(byte[] tar) throws IOException {
    List<Entry> out = new ArrayList<>();
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(tar));
    Map<String, byte[]> pending = new HashMap<>();
    byte[] header = new byte[512];
    while (true) {
      in.readFully(header);
      if (isZero(header)) {
        break;
      }
      String name = string(header, 0, 100);
      char type = (char) header[156];
      long size = octal(header, 124, 12);
      String prefix = string(header, 345, 155);
      if (!prefix.isEmpty() && new String(header, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
        name = prefix + "/" + name;
      }
      byte[] content = new byte[(int) size];
      in.readFully(content);
      in.skipNBytes((512 - size % 512) % 512);
      if (type == 'x') {
        pending = parsePax(content);
        continue;
      }
      if (pending.containsKey("path")) {
        name = new String(pending.get("path"), StandardCharsets.UTF_8);
      }
      out.add(new Entry(name, type, (int) octal(header, 100, 8), octal(header, 108, 8), octal(header, 116, 8),
          octal(header, 136, 12), pending, content));
      pending = new HashMap<>();
    }
    return out;
  }

  private static Map<String, byte[]> parsePax(byte[] data) {
    Map<String, byte[]> records = new HashMap<>();
    int i = 0;
    while (i < data.length) {
      int space = i;
      while (data[space] != ' ') {
        space++;
      }
      int length = Integer.parseInt(new String(data, i, space - i, StandardCharsets.US_ASCII));
      int eq = space + 1;
      while (data[eq] != '=') {
        eq++;
      }
      String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
      records.put(key, Arrays.copyOfRange(data, eq + 1, i + length - 1));
      i += length;
    }
    return records;
  }

  private static boolean isZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static String string(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] b, int off, int len) {
    String s = string(b, off, len).strip();
    return s.isEmpty() ? 0 : Long.parseLong(s, 8);
  }
}
