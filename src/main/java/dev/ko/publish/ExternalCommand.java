package dev.ko.publish;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A program found on the PATH of ko's environment (the JDK would search the JVM's own PATH),
 * run with that environment, its standard input fed by a writer and its output collected.
 */
public final class ExternalCommand {
  private final String program;
  private final Map<String, String> env;

  public ExternalCommand(String program, Map<String, String> env) {
    this.program = program;
    this.env = Map.copyOf(env);
  }

  /** Exit status and combined output of one run. */
  public record Result(int exit, String output) {
    /** The first line of the output, for one-line errors. */
    public String firstLine() {
      String t = output.strip();
      int nl = t.indexOf('\n');
      return nl < 0 ? t : t.substring(0, nl);
    }
  }

  /** Writes a child's standard input. */
  @FunctionalInterface
  public interface Input {
    void writeTo(OutputStream stdin) throws IOException;
  }

  public String program() {
    return program;
  }

  public Result run(List<String> args, Input input) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(resolve());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new IOException("cannot run " + program + ": " + e.getMessage(), e);
    }
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    IOException inputFailure = null;
    try (OutputStream stdin = p.getOutputStream()) {
      if (input != null) {
        input.writeTo(stdin);
      }
    } catch (IOException e) {
      // A child that exits early closes the pipe; its status and output explain why.
      inputFailure = e;
    }
    try {
      int exit = p.waitFor();
      if (exit == 0 && inputFailure != null) {
        throw inputFailure;
      }
      return new Result(exit, output.join());
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + program, e);
    }
  }

  private String resolve() {
    if (program.contains("/")) {
      return program;
    }
    for (String dir : env.getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty()) {
        Path candidate = Path.of(dir, program);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate.toString();
        }
      }
    }
    return program;
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
