package dev.ko.build;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Reads the build information the Go linker embeds in every binary (Go 1.18 and later) and renders
 * it exactly as {@code go version -m BINARY} prints it, without starting {@code go}: that process
 * costs tens of milliseconds per platform on the critical path of every build with an SBOM.
 *
 * <p>The blob sits 16-byte aligned in the data: the magic {@code "\xff Go buildinf:"}, pointer
 * size, a flags byte whose bit 2 says the two strings follow inline, then the Go version and the
 * module information, each prefixed with its length as a varint; the module information is framed
 * by 16-byte sentinels. Older layouts (pointers instead of inline strings) are left to {@code go}.
 *
 * <p>ELF binaries name the blob's section ({@code .go.buildinfo}), so only the headers and that
 * section are read. Other formats are scanned in bounded chunks, never mapped whole: a mapping of a
 * file that the next {@code go build} truncates would fault if it were touched again.
 */
final class GoBuildInfoReader {
  private static final byte[] MAGIC = {
    (byte) 0xff, ' ', 'G', 'o', ' ', 'b', 'u', 'i', 'l', 'd', 'i', 'n', 'f', ':'
  };
  private static final int ALIGN = 16;
  private static final int HEADER = 32;
  private static final int INLINE_STRINGS = 2;
  private static final int CHUNK = 1 << 20;

  /** Far above any real module list; guards against a corrupt length. */
  private static final long MAX_STRING = 64L << 20;

  private GoBuildInfoReader() {}

  /**
   * {@code go version -m} output for the binary, or empty when its layout is not the inline one.
   */
  static Optional<String> versionM(Path binary) throws IOException {
    try (FileChannel ch = FileChannel.open(binary, StandardOpenOption.READ)) {
      Optional<ElfFile> elf = ElfFile.open(ch);
      if (elf.isPresent()) {
        Optional<ElfFile.Range> section = elf.get().section(".go.buildinfo");
        if (section.isPresent()
            && section.get().size() >= HEADER
            && section.get().size() <= CHUNK) {
          ElfFile.Range r = section.get();
          return scan(
              ch, ElfFile.read(ch, r.offset(), (int) r.size()), r.offset(), binary.toString());
        }
      }
      for (long start = 0; start < ch.size(); start += CHUNK) {
        int length = (int) Math.min(CHUNK, ch.size() - start);
        Optional<String> text = scan(ch, ElfFile.read(ch, start, length), start, binary.toString());
        if (text.isPresent()) {
          return text;
        }
      }
      return Optional.empty();
    }
  }

  /** Looks for the blob at 16-byte boundaries of {@code data}, which was read at {@code base}. */
  private static Optional<String> scan(FileChannel ch, ByteBuffer data, long base, String file)
      throws IOException {
    for (int at = 0; at + MAGIC.length <= data.limit(); at += ALIGN) {
      if (data.get(at) == MAGIC[0] && hasMagic(data, at)) {
        Optional<String> text = decode(ch, base + at, file);
        if (text.isPresent()) {
          return text;
        }
        // The magic bytes inside some program's constants: keep looking.
      }
    }
    return Optional.empty();
  }

  private static boolean hasMagic(ByteBuffer data, int at) {
    for (int i = 1; i < MAGIC.length; i++) {
      if (data.get(at + i) != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  private static Optional<String> decode(FileChannel ch, long at, String file) throws IOException {
    if (at + HEADER > ch.size()) {
      return Optional.empty();
    }
    ByteBuffer header = ElfFile.read(ch, at, HEADER);
    int pointerSize = header.get(14);
    int flags = header.get(15);
    if ((pointerSize != 4 && pointerSize != 8) || (flags & INLINE_STRINGS) == 0) {
      return Optional.empty();
    }
    long[] pos = {at + HEADER};
    String version = string(ch, pos);
    String modinfo = version == null ? null : string(ch, pos);
    if (modinfo == null || !(version.startsWith("go") || version.startsWith("devel"))) {
      return Optional.empty();
    }
    // Strip the sentinels around the module information, as debug/buildinfo does.
    if (modinfo.length() >= 33 && modinfo.charAt(modinfo.length() - 17) == '\n') {
      modinfo = modinfo.substring(16, modinfo.length() - 16);
    } else {
      modinfo = "";
    }
    StringBuilder out = new StringBuilder(file).append(": ").append(version).append('\n');
    if (!modinfo.isEmpty()) {
      String body = modinfo.endsWith("\n") ? modinfo.substring(0, modinfo.length() - 1) : modinfo;
      for (String line : body.split("\n", -1)) {
        out.append('\t').append(line).append('\n');
      }
    }
    return Optional.of(out.toString());
  }

  /** A varint-length-prefixed string at {@code pos[0]}, or null when it runs past the file. */
  private static String string(FileChannel ch, long[] pos) throws IOException {
    long length = 0;
    int shift = 0;
    ByteBuffer varint = ElfFile.read(ch, pos[0], (int) Math.min(10, ch.size() - pos[0]));
    int i = 0;
    while (true) {
      if (i >= varint.limit() || shift > 28) {
        return null;
      }
      int b = varint.get(i++) & 0xff;
      length |= (long) (b & 0x7f) << shift;
      if (b < 0x80) {
        break;
      }
      shift += 7;
    }
    pos[0] += i;
    if (length > ch.size() - pos[0] || length > MAX_STRING) {
      return null;
    }
    ByteBuffer bytes = ElfFile.read(ch, pos[0], (int) length);
    pos[0] += length;
    // Module information is UTF-8 text; bytes that are not would not survive go version -m either.
    return StandardCharsets.UTF_8.decode(bytes).toString();
  }
}
