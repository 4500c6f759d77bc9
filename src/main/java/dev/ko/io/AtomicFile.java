package dev.ko.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes a file next to its final name and renames it into place, so a reader never sees half a
 * file and a failure leaves none behind. The file is created with the given permissions, which the
 * umask narrows as it does for Go's {@code os.WriteFile}: {@link #SHARED} gives the 0644 that ko's
 * outputs have, {@link #PRIVATE} the 0600 that credentials need ({@code createTempFile} alone would
 * give every file 0600).
 */
public final class AtomicFile {
  /** rw-r--r--: outputs others may read (tarballs, image layouts, reference lists). */
  public static final Set<PosixFilePermission> SHARED =
      PosixFilePermissions.fromString("rw-r--r--");

  /** rw-------: files only their owner may read (credentials). */
  public static final Set<PosixFilePermission> PRIVATE =
      PosixFilePermissions.fromString("rw-------");

  private AtomicFile() {}

  /** Writes a file's content. */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  public static void write(Path target, Set<PosixFilePermission> permissions, byte[] bytes)
      throws IOException {
    write(target, permissions, out -> out.write(bytes));
  }

  /**
   * Creates missing parent directories, writes a temporary file, and renames it to {@code target}.
   */
  public static void write(Path target, Set<PosixFilePermission> permissions, Content content)
      throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    FileAttribute<?>[] attributes =
        FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
            : new FileAttribute<?>[0];
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", attributes);
    try {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        content.writeTo(out);
      }
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
