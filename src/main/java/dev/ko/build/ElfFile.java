package dev.ko.build;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Just enough of an ELF file's headers to find a section or the notes by name, reading only the
 * headers and the part asked for: a Go binary can be tens of megabytes, its build ID note and build
 * information a few hundred bytes.
 */
final class ElfFile {
  private static final int PT_NOTE = 4;
  private static final int SHT_NOBITS = 8;

  /** Headers or tables beyond this are not what a linker writes: the file is not used as ELF. */
  private static final long MAX_TABLE = 1 << 20;

  /** Where a part of the file is. */
  record Range(long offset, long size) {}

  /**
   * One note: its name without the padding and trailing NULs, its type and its payload. The payload
   * is a fresh array per note for the one caller that parsed it; notes are never compared.
   */
  @SuppressWarnings("ArrayRecordComponent")
  record Note(String name, int type, byte[] desc) {}

  private final FileChannel file;
  private final boolean wide;
  private final ByteOrder order;
  private final ByteBuffer header;

  private ElfFile(FileChannel file, boolean wide, ByteOrder order, ByteBuffer header) {
    this.file = file;
    this.wide = wide;
    this.order = order;
    this.header = header;
  }

  /** The file as ELF, or empty when it does not start like one. */
  static Optional<ElfFile> open(FileChannel file) throws IOException {
    if (file.size() < 52) {
      return Optional.empty();
    }
    ByteBuffer ident = read(file, 0, 16);
    if (ident.get(0) != 0x7f || ident.get(1) != 'E' || ident.get(2) != 'L' || ident.get(3) != 'F') {
      return Optional.empty();
    }
    int elfClass = ident.get(4);
    int data = ident.get(5);
    if ((elfClass != 1 && elfClass != 2) || (data != 1 && data != 2)) {
      return Optional.empty();
    }
    boolean wide = elfClass == 2;
    ByteOrder order = data == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
    ByteBuffer header = read(file, 0, wide ? 64 : 52).order(order);
    return Optional.of(new ElfFile(file, wide, order, header));
  }

  /** The file range of the named section, empty when there is none (or no section table). */
  Optional<Range> section(String name) throws IOException {
    long shoff = wide ? header.getLong(0x28) : Integer.toUnsignedLong(header.getInt(0x20));
    int shentsize = Short.toUnsignedInt(header.getShort(wide ? 0x3A : 0x2E));
    int shnum = Short.toUnsignedInt(header.getShort(wide ? 0x3C : 0x30));
    int shstrndx = Short.toUnsignedInt(header.getShort(wide ? 0x3E : 0x32));
    if (shoff == 0
        || shnum == 0
        || shstrndx >= shnum
        || shentsize < (wide ? 64 : 40)
        || (long) shentsize * shnum > MAX_TABLE) {
      return Optional.empty();
    }
    ByteBuffer table = read(file, shoff, shentsize * shnum).order(order);
    Range names = range(table, shstrndx * shentsize);
    if (names.size() > MAX_TABLE) {
      return Optional.empty();
    }
    ByteBuffer strings = read(file, names.offset(), (int) names.size());
    byte[] wanted = name.getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < shnum; i++) {
      int at = i * shentsize;
      if (table.getInt(at + 4) != SHT_NOBITS && nameIs(strings, table.getInt(at), wanted)) {
        return Optional.of(range(table, at));
      }
    }
    return Optional.empty();
  }

  /** The notes of the PT_NOTE segments, in file order. */
  List<Note> notes() throws IOException {
    long phoff = wide ? header.getLong(0x20) : Integer.toUnsignedLong(header.getInt(0x1C));
    int phentsize = Short.toUnsignedInt(header.getShort(wide ? 0x36 : 0x2A));
    int phnum = Short.toUnsignedInt(header.getShort(wide ? 0x38 : 0x2C));
    List<Note> out = new ArrayList<>();
    if (phoff == 0 || phentsize < (wide ? 56 : 32) || (long) phentsize * phnum > MAX_TABLE) {
      return out;
    }
    ByteBuffer table = read(file, phoff, phentsize * phnum).order(order);
    for (int i = 0; i < phnum; i++) {
      int at = i * phentsize;
      if (table.getInt(at) != PT_NOTE) {
        continue;
      }
      long offset = wide ? table.getLong(at + 8) : Integer.toUnsignedLong(table.getInt(at + 4));
      long size = wide ? table.getLong(at + 32) : Integer.toUnsignedLong(table.getInt(at + 16));
      if (size <= 0 || size > MAX_TABLE) {
        continue;
      }
      parseNotes(read(file, offset, (int) size).order(order), out);
    }
    return out;
  }

  private static void parseNotes(ByteBuffer b, List<Note> out) {
    int at = 0;
    while (at + 12 <= b.limit()) {
      int namesz = b.getInt(at);
      int descsz = b.getInt(at + 4);
      int type = b.getInt(at + 8);
      int nameStart = at + 12;
      int descStart = nameStart + align4(namesz);
      if (namesz < 0
          || descsz < 0
          || descStart < nameStart
          || descStart + (long) descsz > b.limit()) {
        return;
      }
      byte[] name = new byte[namesz];
      b.get(nameStart, name);
      byte[] desc = new byte[descsz];
      b.get(descStart, desc);
      int end = name.length;
      while (end > 0 && name[end - 1] == 0) {
        end--;
      }
      out.add(new Note(new String(name, 0, end, StandardCharsets.ISO_8859_1), type, desc));
      at = descStart + align4(descsz);
    }
  }

  private static int align4(int n) {
    return (n + 3) & ~3;
  }

  private Range range(ByteBuffer table, int at) {
    long offset = wide ? table.getLong(at + 24) : Integer.toUnsignedLong(table.getInt(at + 16));
    long size = wide ? table.getLong(at + 32) : Integer.toUnsignedLong(table.getInt(at + 20));
    return new Range(offset, size);
  }

  private static boolean nameIs(ByteBuffer strings, int offset, byte[] wanted) {
    if (offset < 0 || offset + wanted.length >= strings.limit()) {
      return false;
    }
    for (int i = 0; i < wanted.length; i++) {
      if (strings.get(offset + i) != wanted[i]) {
        return false;
      }
    }
    return strings.get(offset + wanted.length) == 0;
  }

  /** Exactly {@code length} bytes at {@code offset}. */
  static ByteBuffer read(FileChannel file, long offset, int length) throws IOException {
    if (offset < 0 || length < 0 || offset + length > file.size()) {
      throw new EOFException(
          "reading " + length + " bytes at " + offset + " past the end of the file");
    }
    ByteBuffer b = ByteBuffer.allocate(length);
    while (b.hasRemaining()) {
      if (file.read(b, offset + b.position()) < 0) {
        throw new EOFException("file shrank while reading it");
      }
    }
    return b.flip();
  }
}
