package dev.ko.build;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
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
 * <p>The blob sits 16-byte aligned in the data: the magic {@code "\xff Go buildinf:"}, pointer size,
 * a flags byte whose bit 2 says the two strings follow inline, then the Go version and the module
 * information, each prefixed with its length as a varint; the module information is framed by
 * 16-byte sentinels. Older layouts (pointers instead of inline strings) are left to {@code go}.
 */
final class GoBuildInfoReader {
  private static final byte[] MAGIC = {
    (byte) 0xff, ' ', 'G', 'o', ' ', 'b', 'u', 'i', 'l', 'd', 'i', 'n', 'f', ':'
  };
  private static final int ALIGN = 16;
  private static final int HEADER = 32;
  private static final int INLINE_STRINGS = 2;

  private GoBuildInfoReader() {}

  /** {@code go version -m} output for the binary, or empty when its layout is not the inline one. */
  static Optional<String> versionM(Path binary) throws IOException {
    try (FileChannel ch = FileChannel.open(binary, StandardOpenOption.READ)) {
      if (ch.size() > Integer.MAX_VALUE) {
        return Optional.empty();
      }
      MappedByteBuffer data = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
      for (int at = 0; at + HEADER <= data.limit(); at += ALIGN) {
        if (data.get(at) == MAGIC[0] && hasMagic(data, at)) {
          Optional<String> text = decode(data, at, binary.toString());
          if (text.isPresent()) {
            return text;
          }
          // The magic bytes inside some program's constants: keep looking.
        }
      }
      return Optional.empty();
    }
  }

  private static boolean hasMagic(ByteBuffer data, int at) {
    for (int i = 1; i < MAGIC.length; i++) {
      if (data.get(at + i) != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  private static Optional<String> decode(ByteBuffer data, int at, String file) {
    int pointerSize = data.get(at + 14);
    int flags = data.get(at + 15);
    if ((pointerSize != 4 && pointerSize != 8) || (flags & INLINE_STRINGS) == 0) {
      return Optional.empty();
    }
    int[] pos = {at + HEADER};
    String version = string(data, pos);
    String modinfo = string(data, pos);
    if (version == null || modinfo == null || !(version.startsWith("go") || version.startsWith("devel"))) {
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

  /** A varint-length-prefixed string, or null when it runs past the data. */
  private static String string(ByteBuffer data, int[] pos) {
    long length = 0;
    int shift = 0;
    while (true) {
      if (pos[0] >= data.limit() || shift > 28) {
        return null;
      }
      int b = data.get(pos[0]++) & 0xff;
      length |= (long) (b & 0x7f) << shift;
      if (b < 0x80) {
        break;
      }
      shift += 7;
    }
    if (length > data.limit() - pos[0]) {
      return null;
    }
    byte[] bytes = new byte[(int) length];
    data.get(pos[0], bytes);
    pos[0] += (int) length;
    // Module information is UTF-8 text; bytes that are not would not survive go version -m either.
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
