package dev.ko.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.testing.GoProgram;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link TarWriter} against Go's {@code archive/tar}: the same entries, with the header fields ko
 * sets, written by both (Go through {@code src/test/resources/gotar}) must give identical bytes,
 * because layer diffIDs are the sha256 of these bytes.
 */
class TarWriterGoCompatTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DIR_MODE = 0555;

  /**
   * One tar entry, serialised for the Go program with the field names it expects. Only ever
   * serialised and read back field by field, never compared.
   */
  @SuppressWarnings("ArrayRecordComponent")
  record Entry(
      @JsonProperty("Name") String name,
      @JsonProperty("Typeflag") String typeflag,
      @JsonProperty("Mode") long mode,
      @JsonProperty("ModTime") long modTime,
      @JsonProperty("Content") byte[] content,
      @JsonProperty("PAX") Map<String, byte[]> pax,
      @JsonProperty("HeaderOnly") boolean headerOnly,
      @JsonProperty("Size") long size) {
    static Entry dir(String name, long mtime) {
      return new Entry(name, "5", DIR_MODE, mtime, new byte[0], null, false, 0);
    }

    static Entry file(String name, long mtime, String content) {
      return file(name, mtime, content.getBytes(StandardCharsets.UTF_8), null);
    }

    static Entry file(String name, long mtime, byte[] content, Map<String, byte[]> pax) {
      return new Entry(name, "0", DIR_MODE, mtime, content, pax, false, 0);
    }
  }

  /**
   * The 20-byte VFS_CAP_REVISION_2 xattr for cap_net_bind_service=ep: NUL, newline, '=' and high
   * bytes.
   */
  private static final byte[] CAPABILITY =
      HexFormat.of().parseHex("010000020004000000000000000000000000000a");

  private static final byte[] RAW_SD =
      "AQAAgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA=="
          .getBytes(StandardCharsets.US_ASCII);

  @Test
  void koLayoutEntriesAreByteIdenticalToGo() throws Exception {
    List<Entry> entries = new ArrayList<>();
    // kodata layer as ko writes it: parent dirs with a leading slash, then walked entries.
    entries.add(Entry.dir("/var", 0));
    entries.add(Entry.dir("/var/run", 0));
    entries.add(Entry.dir("/var/run/ko", 0));
    entries.add(Entry.file("/var/run/ko/kenobi", 1_700_000_000L, "Hello there\n"));
    entries.add(Entry.dir("/var/run/ko/subdir", 1_700_000_000L));
    entries.add(Entry.file("/var/run/ko/subdir/file.txt", 1_700_000_000L, ""));
    // binary layer: "ko-app" without, the binary with a leading slash; an empty PAX map as ko sets
    // it.
    entries.add(Entry.dir("ko-app", 0));
    entries.add(
        Entry.file(
            "/ko-app/name", 0, "#!fake binary\n".getBytes(StandardCharsets.UTF_8), Map.of()));
    assertSameAsGo(entries);
  }

  @Test
  void longAndNonAsciiNamesAreByteIdenticalToGo() throws Exception {
    String longDir = "/var/run/ko/" + "directory-with-a-long-name/".repeat(4);
    List<Entry> entries = new ArrayList<>();
    // > 100 bytes, splits into the USTAR prefix: stays USTAR.
    entries.add(Entry.file(longDir + "file.txt", 0, "split\n"));
    // exactly 100 bytes: fills the name field with no NUL terminator.
    entries.add(Entry.file("/var/run/ko/" + "n".repeat(88), 0, "hundred\n"));
    // last element > 100 bytes: cannot split, needs a PAX path record.
    entries.add(Entry.file("/var/run/ko/" + "x".repeat(120), 0, "pax path\n"));
    // cannot split, and the truncated name field ends in '/': Go replaces that slash with NUL.
    entries.add(Entry.file("p".repeat(99) + "/" + "q".repeat(101), 0, "slash at 100\n"));
    // non-ASCII: PAX path record, ASCII-only fallback in the header and the PaxHeaders name.
    entries.add(Entry.file("/var/run/ko/héllo wörld ✓.txt", 0, "unicode\n"));
    entries.add(Entry.file("/var/run/ko/" + "ü".repeat(60), 0, "long unicode\n"));
    entries.add(Entry.dir("/var/run/ko/dïr", 5000));
    assertSameAsGo(entries);
  }

  @Test
  void paxRecordsWithRawBytesAreByteIdenticalToGo() throws Exception {
    Map<String, byte[]> pax = new LinkedHashMap<>();
    pax.put("SCHILY.xattr.security.capability", CAPABILITY);
    // 19-byte key + 76-byte value: the length prefix grows from 2 to 3 digits while it is computed.
    Map<String, byte[]> boundary = new LinkedHashMap<>();
    boundary.put("SCHILY.xattr.user.x", "v".repeat(76).getBytes(StandardCharsets.US_ASCII));
    // records are sorted by key; a PAX-only header also carries the path when the name needs it.
    Map<String, byte[]> several = new LinkedHashMap<>();
    several.put("SCHILY.xattr.user.z", new byte[] {0, 1, 2});
    several.put("SCHILY.xattr.security.capability", CAPABILITY);

    List<Entry> entries = new ArrayList<>();
    entries.add(Entry.dir("ko-app", 0));
    entries.add(Entry.file("/ko-app/name", 0, "binary".getBytes(StandardCharsets.UTF_8), pax));
    entries.add(Entry.file("/ko-app/boundary", 0, new byte[0], boundary));
    entries.add(Entry.file("/ko-app/" + "long-".repeat(25), 0, new byte[] {1}, several));
    // Windows layout: Hives and Files dirs, the binary with the MSWINDOWS.rawsd security
    // descriptor.
    entries.add(Entry.dir("Hives", 0));
    entries.add(Entry.dir("Files", 0));
    entries.add(Entry.dir("Files/ko-app", 0));
    entries.add(
        Entry.file(
            "Files/ko-app/name",
            0,
            "MZ".getBytes(StandardCharsets.US_ASCII),
            Map.of("MSWINDOWS.rawsd", RAW_SD)));
    assertSameAsGo(entries);
  }

  @Test
  void contentSizesAroundTheBlockSizeAreByteIdenticalToGo() throws Exception {
    List<Entry> entries = new ArrayList<>();
    for (int size : new int[] {0, 1, 511, 512, 513, 1024, 70_000}) {
      byte[] content = new byte[size];
      Arrays.fill(content, (byte) ('a' + size % 26));
      entries.add(Entry.file("/var/run/ko/size-" + size, 0, content, null));
    }
    assertSameAsGo(entries);
  }

  @Test
  void modTimesOutsideUstarRangeAreByteIdenticalToGo() throws Exception {
    // KO_DATA_DATE_EPOCH may be negative or huge: Go moves it to a PAX mtime record and writes 0
    // in the octal field.
    List<Entry> entries = new ArrayList<>();
    entries.add(Entry.dir("/var/run/ko/before-1970", -1));
    entries.add(Entry.file("/var/run/ko/far-future", 077777777777L + 1, "x"));
    entries.add(Entry.file("/var/run/ko/last-octal-second", 077777777777L, "y"));
    assertSameAsGo(entries);
  }

  @Test
  void aSizeBeyondElevenOctalDigitsIsByteIdenticalToGo() throws Exception {
    long size = 077777777777L + 1; // 8 GiB: only the header is compared
    Entry entry = new Entry("/ko-app/huge", "0", DIR_MODE, 0, new byte[0], null, true, size);
    byte[] go = GoProgram.of("gotar").run(JSON.writeValueAsBytes(List.of(entry)));

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TarWriter tar = new TarWriter(out);
    InputStream stop =
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException("header written");
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            throw new IOException("header written");
          }
        };
    assertThatThrownBy(() -> tar.file("/ko-app/huge", DIR_MODE, 0, size, stop, Map.of()))
        .hasMessage("header written");
    assertSameBytes(out.toByteArray(), go);
  }

  @Test
  void headerFieldsAreKosFixedValues() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarWriter tar = new TarWriter(out)) {
      tar.directory("ko-app", DIR_MODE, 0);
      tar.file("/ko-app/name", DIR_MODE, 0, "abc".getBytes(StandardCharsets.UTF_8), Map.of());
    }
    byte[] b = out.toByteArray();
    // two headers, one data block, two zero blocks, and no padding to a 10240-byte record
    assertThat(b).hasSize(5 * 512);
    assertThat(field(b, 512, 0, 100)).startsWith("/ko-app/name\0");
    assertThat(field(b, 512, 100, 8)).isEqualTo("0000555\0");
    assertThat(field(b, 512, 108, 8)).isEqualTo("0000000\0");
    assertThat(field(b, 512, 116, 8)).isEqualTo("0000000\0");
    assertThat(field(b, 512, 124, 12)).isEqualTo("00000000003\0");
    assertThat(field(b, 512, 136, 12)).isEqualTo("00000000000\0");
    assertThat(field(b, 512, 156, 1)).isEqualTo("0");
    assertThat(field(b, 512, 257, 8)).isEqualTo("ustar\0" + "00");
    assertThat(field(b, 512, 265, 32)).isEqualTo("\0".repeat(32)); // uname
    assertThat(field(b, 512, 297, 32)).isEqualTo("\0".repeat(32)); // gname
    assertThat(field(b, 512, 329, 8)).isEqualTo("0000000\0"); // devmajor
    assertThat(field(b, 512, 337, 8)).isEqualTo("0000000\0"); // devminor
    assertThat(field(b, 0, 156, 1)).isEqualTo("5");
    assertThat(field(b, 0, 0, 100)).startsWith("ko-app\0");

    // checksum: six octal digits, NUL, space; the sum of the header with the field as spaces
    String checksum = field(b, 512, 148, 8);
    assertThat(checksum).matches("[0-7]{6}\0 ");
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (b[512 + i] & 0xff);
    }
    assertThat(Long.parseLong(checksum.substring(0, 6), 8)).isEqualTo(sum);

    assertThat(field(b, 1024, 0, 3)).isEqualTo("abc");
    assertThat(Arrays.copyOfRange(b, 1024 + 3, b.length)).containsOnly(0);
  }

  @Test
  void paxRecordLengthCountsItsOwnDigits() {
    assertThat(
            new String(
                TarWriter.paxRecord("path", "a".getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8))
        .isEqualTo("9 path=a\n");
    byte[] record =
        TarWriter.paxRecord(
            "SCHILY.xattr.user.x", "v".repeat(76).getBytes(StandardCharsets.US_ASCII));
    assertThat(record).hasSize(101);
    assertThat(new String(record, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("101 ");
  }

  private static String field(byte[] b, int block, int off, int len) {
    return new String(b, block + off, len, StandardCharsets.ISO_8859_1);
  }

  private static void assertSameAsGo(List<Entry> entries) throws IOException {
    byte[] go = GoProgram.of("gotar").run(JSON.writeValueAsBytes(entries));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarWriter tar = new TarWriter(out)) {
      for (Entry e : entries) {
        if (e.typeflag().equals("5")) {
          tar.directory(e.name(), (int) e.mode(), e.modTime());
        } else {
          tar.file(
              e.name(),
              (int) e.mode(),
              e.modTime(),
              e.content(),
              e.pax() == null ? Map.of() : e.pax());
        }
      }
    }
    assertSameBytes(out.toByteArray(), go);
  }

  /** Equal bytes; on a difference, says where (block and offset) and shows both blocks' text. */
  static void assertSameBytes(byte[] ours, byte[] go) {
    int n = Math.min(ours.length, go.length);
    int diff = -1;
    for (int i = 0; i < n; i++) {
      if (ours[i] != go[i]) {
        diff = i;
        break;
      }
    }
    if (diff < 0 && ours.length == go.length) {
      return;
    }
    int at = diff < 0 ? n : diff;
    int block = at / 512;
    String detail =
        "first difference at byte "
            + at
            + " (block "
            + block
            + ", offset "
            + at % 512
            + "); lengths ours="
            + ours.length
            + " go="
            + go.length
            + "\nours: "
            + printable(ours, block)
            + "\ngo:   "
            + printable(go, block);
    fail(detail);
  }

  private static String printable(byte[] b, int block) {
    int from = Math.min(block * 512, b.length);
    int to = Math.min(from + 512, b.length);
    StringBuilder s = new StringBuilder();
    for (int i = from; i < to; i++) {
      int c = b[i] & 0xff;
      s.append(c >= 0x20 && c < 0x7f ? (char) c : '.');
    }
    return s.toString();
  }
}
