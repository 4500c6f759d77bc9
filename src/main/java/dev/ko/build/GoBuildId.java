package dev.ko.build;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The Go build ID of a binary, as {@code go tool buildid} prints it. Its last part is a hash of the
 * linked file's content, so equal IDs mean equal binaries: a cheap cache key that needs only the
 * first kilobytes of the file, where a hash of the whole file would read every byte.
 *
 * <p>ELF binaries carry it in a note named {@code Go} of type 4; other formats (PE, Mach-O) as the
 * string {@code "\xff Go build ID: \"...\"\n \xff"} at the start of the text, within the first 32
 * KiB, which is where {@code go tool buildid} looks too.
 */
final class GoBuildId {
  private static final int ELF_NOTE_GO_BUILD_ID = 4;
  private static final int RAW_SEARCH = 32 * 1024;
  private static final byte[] PREFIX =
      "\u00ff Go build ID: \"".getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] SUFFIX = "\"\n \u00ff".getBytes(StandardCharsets.ISO_8859_1);

  private GoBuildId() {}

  /**
   * The build ID, or empty when there is none (not a Go binary, or linked with {@code -buildid=}).
   */
  static Optional<String> read(Path binary) throws IOException {
    try (FileChannel ch = FileChannel.open(binary, StandardOpenOption.READ)) {
      Optional<ElfFile> elf = ElfFile.open(ch);
      if (elf.isPresent()) {
        for (ElfFile.Note note : elf.get().notes()) {
          if (note.name().equals("Go") && note.type() == ELF_NOTE_GO_BUILD_ID) {
            String id = new String(note.desc(), StandardCharsets.UTF_8);
            return id.isEmpty() ? Optional.empty() : Optional.of(id);
          }
        }
      }
      return raw(ElfFile.read(ch, 0, (int) Math.min(RAW_SEARCH, ch.size())));
    }
  }

  private static Optional<String> raw(ByteBuffer data) {
    int start = indexOf(data, PREFIX, 0);
    if (start < 0) {
      return Optional.empty();
    }
    start += PREFIX.length;
    int end = indexOf(data, SUFFIX, start);
    if (end <= start) {
      return Optional.empty();
    }
    byte[] id = new byte[end - start];
    data.get(start, id);
    return Optional.of(new String(id, StandardCharsets.UTF_8));
  }

  private static int indexOf(ByteBuffer data, byte[] needle, int from) {
    outer:
    for (int i = from; i + needle.length <= data.limit(); i++) {
      for (int k = 0; k < needle.length; k++) {
        if (data.get(i + k) != needle[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
