package dev.ko.oci;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes tar streams byte-identical to Go's {@code archive/tar} for the entries ko produces, so our
 * layers' diffIDs equal ko's: USTAR headers unless PAX is required, NUL-terminated zero-padded
 * octal numbers, empty user and group names, PAX extended headers named {@code
 * dir/PaxHeaders.0/file} with sorted records holding raw bytes, and an end of two zero blocks with
 * no padding to a record size.
 */
public final class TarWriter implements AutoCloseable {
  public static final byte TYPE_REG = '0';
  public static final byte TYPE_DIR = '5';
  private static final byte TYPE_PAX = 'x';

  private static final int BLOCK = 512;
  private static final int NAME_SIZE = 100;
  private static final int PREFIX_SIZE = 155;
  private static final long MAX_OCTAL_11 = 077777777777L;

  private final OutputStream out;
  private final byte[] zeros = new byte[BLOCK];
  private final byte[] copyBuffer = new byte[64 * 1024];

  public TarWriter(OutputStream out) {
    this.out = out;
  }

  /** A directory entry. */
  public void directory(String name, int mode, long mtime) throws IOException {
    header(name, TYPE_DIR, mode, 0, mtime, Map.of());
  }

  /** A regular file entry with exactly {@code size} bytes copied from {@code content}. */
  public void file(
      String name, int mode, long mtime, long size, InputStream content, Map<String, byte[]> pax)
      throws IOException {
    header(name, TYPE_REG, mode, size, mtime, pax);
    long left = size;
    while (left > 0) {
      int n = content.read(copyBuffer, 0, (int) Math.min(copyBuffer.length, left));
      if (n < 0) {
        throw new IOException("tar entry " + name + ": content ended " + left + " bytes early");
      }
      out.write(copyBuffer, 0, n);
      left -= n;
    }
    pad(size);
  }

  /** A regular file entry from bytes in memory. */
  public void file(String name, int mode, long mtime, byte[] content, Map<String, byte[]> pax)
      throws IOException {
    header(name, TYPE_REG, mode, content.length, mtime, pax);
    out.write(content);
    pad(content.length);
  }

  /** Ends the archive with two zero blocks; does not close the underlying stream. */
  @Override
  public void close() throws IOException {
    out.write(zeros);
    out.write(zeros);
    out.flush();
  }

  private void header(
      String name, byte type, int mode, long size, long mtime, Map<String, byte[]> pax)
      throws IOException {
    if (name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("tar entry name contains NUL: " + name);
    }
    Map<String, byte[]> records = new TreeMap<>();
    boolean ustar = true;
    String[] split = null;
    if (!isAscii(name) || name.length() > NAME_SIZE) {
      split = splitUstarPath(name);
      if (split == null) {
        ustar = false;
      }
      records.put("path", name.getBytes(StandardCharsets.UTF_8));
    }
    if (size > MAX_OCTAL_11) {
      ustar = false;
      records.put("size", Long.toString(size).getBytes(StandardCharsets.US_ASCII));
    }
    if (mtime < 0 || mtime > MAX_OCTAL_11) {
      ustar = false;
      records.put("mtime", Long.toString(mtime).getBytes(StandardCharsets.US_ASCII));
    }
    if (!pax.isEmpty()) {
      ustar = false;
      pax.forEach(records::putIfAbsent);
    }

    if (ustar) {
      byte[] block = template(split == null ? name : split[1], type, mode, size, mtime);
      if (split != null) {
        formatString(block, 345, PREFIX_SIZE, split[0]);
      }
      finish(block);
      return;
    }
    writePaxHeader(name, records);
    byte[] block = template(toAscii(name), type, mode, size, mtime);
    finish(block);
  }

  private void writePaxHeader(String name, Map<String, byte[]> records) throws IOException {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> r : records.entrySet()) {
      data.write(paxRecord(r.getKey(), r.getValue()));
    }
    int slash = name.lastIndexOf('/');
    String dir = name.substring(0, slash + 1);
    String file = name.substring(slash + 1);
    String paxName = toAscii(GoPath.join(dir, "PaxHeaders.0", file));
    if (paxName.length() > NAME_SIZE) {
      paxName = paxName.substring(0, NAME_SIZE);
    }
    paxName = stripTrailingSlashes(paxName);
    byte[] block = new byte[BLOCK];
    block[156] = TYPE_PAX;
    formatString(block, 0, NAME_SIZE, paxName);
    formatOctal(block, 100, 8, 0);
    formatOctal(block, 108, 8, 0);
    formatOctal(block, 116, 8, 0);
    formatOctal(block, 124, 12, data.size());
    formatOctal(block, 136, 12, 0);
    finish(block);
    data.writeTo(out);
    pad(data.size());
  }

  /** Go's formatPAXRecord: "%d %s=%s\n" where %d counts the whole record, itself included. */
  static byte[] paxRecord(String key, byte[] value) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    int size = k.length + value.length + 3;
    size += Integer.toString(size).length();
    byte[] prefix = (size + " ").getBytes(StandardCharsets.US_ASCII);
    if (prefix.length + k.length + 1 + value.length + 1 != size) {
      size = prefix.length + k.length + 1 + value.length + 1;
      prefix = (size + " ").getBytes(StandardCharsets.US_ASCII);
    }
    byte[] rec = new byte[prefix.length + k.length + 1 + value.length + 1];
    int p = 0;
    System.arraycopy(prefix, 0, rec, p, prefix.length);
    p += prefix.length;
    System.arraycopy(k, 0, rec, p, k.length);
    p += k.length;
    rec[p++] = '=';
    System.arraycopy(value, 0, rec, p, value.length);
    p += value.length;
    rec[p] = '\n';
    return rec;
  }

  /** The V7+USTAR fields Go fills for every header (templateV7Plus). */
  private static byte[] template(String name, byte type, int mode, long size, long mtime) {
    byte[] block = new byte[BLOCK];
    block[156] = type;
    formatString(block, 0, NAME_SIZE, name);
    formatOctal(block, 100, 8, mode);
    formatOctal(block, 108, 8, 0); // uid
    formatOctal(block, 116, 8, 0); // gid
    formatOctal(block, 124, 12, size);
    formatOctal(block, 136, 12, mtime);
    formatOctal(block, 329, 8, 0); // devmajor
    formatOctal(block, 337, 8, 0); // devminor
    return block;
  }

  /** Sets the magic and the checksum (six octal digits, NUL, space), then writes the block. */
  private void finish(byte[] block) throws IOException {
    byte[] magic = "ustar\0".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(magic, 0, block, 257, magic.length);
    block[263] = '0';
    block[264] = '0';
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (block[i] & 0xff);
    }
    formatOctal(block, 148, 7, sum);
    block[155] = ' ';
    out.write(block);
  }

  private void pad(long size) throws IOException {
    int rem = (int) (size % BLOCK);
    if (rem != 0) {
      out.write(zeros, 0, BLOCK - rem);
    }
  }

  /**
   * Go's formatOctal: a value that does not fit in len-1 octal digits is written as 0 (PAX carries
   * it).
   */
  private static void formatOctal(byte[] b, int off, int len, long value) {
    if (value < 0 || value >= 1L << (3 * (len - 1))) {
      value = 0;
    }
    String s = Long.toOctalString(value);
    int zeros = len - s.length() - 1;
    if (zeros > 0) {
      s = "0".repeat(zeros) + s;
    }
    formatString(b, off, len, s);
  }

  /** Go's formatString: copy, NUL-terminate if room, avoid a trailing slash when truncated. */
  private static void formatString(byte[] b, int off, int len, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(bytes.length, len);
    System.arraycopy(bytes, 0, b, off, n);
    if (bytes.length < len) {
      b[off + bytes.length] = 0;
    }
    if (bytes.length > len && b[off + len - 1] == '/') {
      String head = stripTrailingSlashes(s.substring(0, len - 1));
      b[off + head.length()] = 0;
    }
  }

  /**
   * Go's splitUSTARPath: a prefix of at most 155 bytes and a name of at most 100, split at a slash.
   */
  private static String[] splitUstarPath(String name) {
    int length = name.length();
    if (length <= NAME_SIZE || !isAscii(name)) {
      return null;
    } else if (length > PREFIX_SIZE + 1) {
      length = PREFIX_SIZE + 1;
    } else if (name.charAt(length - 1) == '/') {
      length--;
    }
    int i = name.lastIndexOf('/', length - 1);
    int nlen = name.length() - i - 1;
    if (i <= 0 || nlen > NAME_SIZE || nlen == 0 || i > PREFIX_SIZE) {
      return null;
    }
    return new String[] {name.substring(0, i), name.substring(i + 1)};
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private static String toAscii(String s) {
    if (isAscii(s)) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().filter(c -> c < 0x80).forEach(b::appendCodePoint);
    return b.toString();
  }

  private static String stripTrailingSlashes(String s) {
    int end = s.length();
    while (end > 0 && s.charAt(end - 1) == '/') {
      end--;
    }
    return s.substring(0, end);
  }
}
