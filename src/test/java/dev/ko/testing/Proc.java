package dev.ko.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Runs a process and collects its output. */
public final class Proc {
  private Proc() {}

  public record Result(int exit, String stdout, String stderr) {}

  public static Result run(Path dir, Map<String, String> extraEnv, List<String> cmd)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().putAll(extraEnv);
    Process p = pb.start();
    p.getOutputStream().close();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    String out = read(p.getInputStream());
    try {
      return new Result(p.waitFor(), out, err.join());
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static String read(InputStream in) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (in) {
      in.transferTo(b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toString(StandardCharsets.UTF_8);
  }
}
