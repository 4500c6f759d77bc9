package dev.ko.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
  @TempDir Path tmp;

  /** What the umask lets through, from a file created the ordinary way (0666 less the umask). */
  private Set<PosixFilePermission> allowed() throws IOException {
    return Files.getPosixFilePermissions(Files.write(tmp.resolve("probe"), new byte[0]));
  }

  private Set<PosixFilePermission> expected(Set<PosixFilePermission> wanted) throws IOException {
    Set<PosixFilePermission> out = EnumSet.copyOf(wanted);
    out.retainAll(allowed());
    return out;
  }

  @Test
  void sharedFilesAreReadableByOthersAndReplaceTheOldOne() throws Exception {
    Path target = tmp.resolve("out/sub/refs.txt");
    AtomicFile.write(target, AtomicFile.SHARED, "one\n".getBytes(StandardCharsets.UTF_8));
    AtomicFile.write(target, AtomicFile.SHARED, "two\n".getBytes(StandardCharsets.UTF_8));
    assertThat(Files.readString(target)).isEqualTo("two\n");
    assertThat(Files.getPosixFilePermissions(target))
        .isEqualTo(expected(AtomicFile.SHARED))
        .contains(PosixFilePermission.OTHERS_READ);
    try (Stream<Path> files = Files.list(target.getParent())) {
      assertThat(files).as("no temporary file left").containsExactly(target);
    }
  }

  @Test
  void privateFilesAreTheOwnersOnly() throws Exception {
    Path target = tmp.resolve("config.json");
    AtomicFile.write(target, AtomicFile.PRIVATE, out -> out.write('{'));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target)))
        .isEqualTo("rw-------");
  }

  @Test
  void aFailedWriteLeavesTheOldFileAndNoTemporaryOne() throws Exception {
    Path target = tmp.resolve("images.tar");
    Files.writeString(target, "old");
    assertThatThrownBy(
            () ->
                AtomicFile.write(
                    target,
                    AtomicFile.SHARED,
                    out -> {
                      out.write("partial".getBytes(StandardCharsets.UTF_8));
                      throw new IOException("disk full");
                    }))
        .hasMessage("disk full");
    assertThat(Files.readString(target)).isEqualTo("old");
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files).containsExactly(target);
    }
  }
}
