package dev.ko.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@code kubectl} on PATH that records its working directory, arguments and standard input, then
 * exits with {@code exitCode}; or, made with {@link #failingAtOnce}, exits without reading its
 * input.
 */
public final class RecordingKubectl {
  private final Path dir;

  private RecordingKubectl(Path dir) {
    this.dir = dir;
  }

  public static RecordingKubectl create(Path dir, int exitCode) throws IOException {
    return write(dir, exitCode, "cat > '" + dir + "/stdin'");
  }

  /** Exits with {@code exitCode} at once, before reading anything. */
  public static RecordingKubectl failingAtOnce(Path dir, int exitCode) throws IOException {
    return write(dir, exitCode, ": no input read");
  }

  private static RecordingKubectl write(Path dir, int exitCode, String readInput)
      throws IOException {
    Files.createDirectories(dir.resolve("bin"));
    Path script = dir.resolve("bin/kubectl");
    Files.writeString(
        script,
        """
        #!/bin/sh
        pwd > '%1$s/cwd'
        : > '%1$s/args'
        for a in "$@"; do printf '%%s\\0' "$a" >> '%1$s/args'; done
        %3$s
        exit %2$d
        """
            .formatted(dir, exitCode, readInput));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return new RecordingKubectl(dir);
  }

  /** A directory to put first on PATH. */
  public Path bin() {
    return dir.resolve("bin");
  }

  /** PATH with this kubectl first, then the test JVM's PATH (for go). */
  public String path() {
    return bin() + ":" + System.getenv("PATH");
  }

  public boolean ran() {
    return Files.exists(dir.resolve("args"));
  }

  public List<String> args() throws IOException {
    String raw = Files.readString(dir.resolve("args"), StandardCharsets.UTF_8);
    List<String> out = new ArrayList<>(Arrays.asList(raw.split("\0", -1)));
    out.remove(out.size() - 1);
    return out;
  }

  public Path workingDirectory() throws IOException {
    return Path.of(Files.readString(dir.resolve("cwd")).strip());
  }

  public String stdin() throws IOException {
    return Files.readString(dir.resolve("stdin"), StandardCharsets.UTF_8);
  }
}
