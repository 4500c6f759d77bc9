package dev.ko.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * An independent reader for the tar layouts our layers use (USTAR headers, PAX extended headers),
 * so tests can check entry names, types, modes, owners, times and PAX records.
 */
public final class TarEntries {
  private TarEntries() {}

  /**
   * One entry, with its PAX records (raw bytes) when it had an extended header. Entries are parsed
   * for assertions on their parts (AssertJ compares arrays by content), never compared whole.
   */
  @SuppressWarnings("ArrayRecordComponent")
  public record Entry(
      String name,
      char type,
      int mode,
      long uid,
      long gid,
      String uname,
      String gname,
      long mtime,
      byte[] content,
      Map<String, byte[]> pax) {
    public String text() {
      return new String(content, StandardCharsets.UTF_8);
    }

    /** A PAX record as text, or null. */
    public String paxString(String key) {
      byte[] v = pax.get(key);
      return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }
  }

  public static List<Entry> readGzip(Path layer) throws IOException {
    return readGzip(Files.readAllBytes(layer));
  }

  public static List<Entry> readGzip(byte[] gzip) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
      return read(in.readAllBytes());
    }
  }

  public static List<Entry> read(byte[] tar) throws IOException {
    List<Entry> out = new ArrayList<>();
    int pos = 0;
    Map<String, byte[]> pax = null;
    while (true) {
      if (pos + 512 > tar.length) {
        throw new IOException("tar ends without two zero blocks");
      }
      byte[] h = Arrays.copyOfRange(tar, pos, pos + 512);
      if (isZero(h)) {
        if (pos + 1024 != tar.length || !isZero(Arrays.copyOfRange(tar, pos + 512, pos + 1024))) {
          throw new IOException("expected exactly two zero blocks at the end, at offset " + pos);
        }
        return out;
      }
      long size = octal(h, 124, 12);
      byte[] data = Arrays.copyOfRange(tar, pos + 512, pos + 512 + (int) size);
      pos += 512 + (int) ((size + 511) / 512 * 512);
      char type = (char) h[156];
      if (type == 'x') {
        pax = parsePax(data);
        continue;
      }
      String name = string(h, 0, 100);
      String prefix = string(h, 345, 155);
      if (!prefix.isEmpty()) {
        name = prefix + "/" + name;
      }
      Map<String, byte[]> records = pax == null ? Map.of() : pax;
      if (records.containsKey("path")) {
        name = new String(records.get("path"), StandardCharsets.UTF_8);
      }
      out.add(
          new Entry(
              name,
              type,
              (int) octal(h, 100, 8),
              octal(h, 108, 8),
              octal(h, 116, 8),
              string(h, 265, 32),
              string(h, 297, 32),
              octal(h, 136, 12),
              data,
              records));
      pax = null;
    }
  }

  private static Map<String, byte[]> parsePax(byte[] data) {
    Map<String, byte[]> records = new LinkedHashMap<>();
    int i = 0;
    while (i < data.length) {
      int space = i;
      while (data[space] != ' ') {
        space++;
      }
      int len = Integer.parseInt(new String(data, i, space - i, StandardCharsets.US_ASCII));
      int eq = space + 1;
      while (data[eq] != '=') {
        eq++;
      }
      String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
      records.put(key, Arrays.copyOfRange(data, eq + 1, i + len - 1));
      i += len;
    }
    return records;
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
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

  /** Decompresses a gzip blob held in memory. */
  public static byte[] gunzip(byte[] gz) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    }
  }
}
