package dev.ko.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Go reference program kept under {@code src/test/resources/<name>/main.go} (standard library
 * only), built once per test run with the real {@code go} and run with bytes on stdin. Tests use it
 * to compare our bytes with what Go's own packages produce.
 */
public final class GoProgram {
  private static final Map<String, Path> BUILT = new ConcurrentHashMap<>();

  private final Path binary;

  private GoProgram(Path binary) {
    this.binary = binary;
  }

  /** Builds (once) the program in the test resource directory {@code name}. */
  public static GoProgram of(String name) {
    return new GoProgram(BUILT.computeIfAbsent(name, GoProgram::build));
  }

  /** Runs the program; fails unless it exits 0. Returns its stdout. */
  public byte[] run(byte[] stdin, String... args) throws IOException {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(binary.toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    CompletableFuture<byte[]> out =
        CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
    CompletableFuture<byte[]> err =
        CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin);
    }
    int exit;
    try {
      exit = p.waitFor();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (exit != 0) {
      throw new IOException(
          binary.getFileName()
              + " exited "
              + exit
              + ": "
              + new String(err.join(), StandardCharsets.UTF_8));
    }
    return out.join();
  }

  private static Path build(String name) {
    try {
      Path dir = Files.createTempDirectory("goprog-" + name);
      try (InputStream src = GoProgram.class.getResourceAsStream("/" + name + "/main.go")) {
        if (src == null) {
          throw new IllegalStateException("no test resource /" + name + "/main.go");
        }
        Files.copy(src, dir.resolve("main.go"));
      }
      Path out = dir.resolve(name);
      ProcessBuilder pb =
          new ProcessBuilder("go", "build", "-o", out.toString(), "main.go")
              .directory(dir.toFile());
      // A lone main.go outside any module; keep the caller's GOFLAGS from changing that.
      pb.environment().put("GOFLAGS", "");
      pb.environment().put("GO111MODULE", "off");
      pb.environment().put("GOTOOLCHAIN", "local");
      pb.redirectErrorStream(true);
      Process p = pb.start();
      p.getOutputStream().close();
      byte[] log = readAll(p.getInputStream());
      if (p.waitFor() != 0) {
        throw new IllegalStateException(
            "go build of " + name + " failed:\n" + new String(log, StandardCharsets.UTF_8));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static byte[] readAll(InputStream in) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (in) {
      in.transferTo(b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }
}
