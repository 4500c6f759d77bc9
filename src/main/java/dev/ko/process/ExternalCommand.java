package dev.ko.process;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A program run with a given environment and working directory, its standard input written by the
 * caller and its output collected. The wait can be interrupted: the program and its children are
 * then killed and reaped before the exception leaves, so nothing keeps writing behind the caller.
 */
public final class ExternalCommand {
  /** util-linux's setpriv (Debian has it everywhere), which sets the parent-death signal. */
  private static final Optional<Path> SETPRIV =
      Stream.of("/usr/bin/setpriv", "/bin/setpriv")
          .map(Path::of)
          .filter(Files::isExecutable)
          .findFirst();

  private final String program;
  private final Map<String, String> env;
  private final Path directory;
  private final Duration timeout;

  public ExternalCommand(String program, Map<String, String> env) {
    this(program, env, null, null);
  }

  private ExternalCommand(
      String program, Map<String, String> env, Path directory, Duration timeout) {
    this.program = program;
    this.env = Map.copyOf(env);
    this.directory = directory;
    this.timeout = timeout;
  }

  /** The same command, run in {@code dir}. */
  public ExternalCommand in(Path dir) {
    return new ExternalCommand(program, env, dir, timeout);
  }

  /** The same command, killed if it has not finished within {@code limit}. */
  public ExternalCommand timeout(Duration limit) {
    return new ExternalCommand(program, env, directory, limit);
  }

  public String program() {
    return program;
  }

  /** Exit status and output of one run. */
  public static final class Result {
    private final int exit;
    private final byte[] stdout;
    private final String stderr;

    /** Takes {@code stdout} as it is: only a run makes one, with an array nobody else holds. */
    private Result(int exit, byte[] stdout, String stderr) {
      this.exit = exit;
      this.stdout = stdout;
      this.stderr = stderr;
    }

    public int exit() {
      return exit;
    }

    /** A copy of standard output's bytes. */
    public byte[] stdout() {
      return stdout.clone();
    }

    public String stderr() {
      return stderr;
    }

    public String stdoutText() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    /** Standard error, then standard output: everything the program said. */
    public String output() {
      String out = stdoutText();
      return stderr.isEmpty() ? out : out.isEmpty() ? stderr : stderr + "\n" + out;
    }

    /** The first non-blank line of the output, for one-line errors. */
    public String firstLine() {
      for (String line : output().split("\n", -1)) {
        if (!line.isBlank()) {
          return line.strip();
        }
      }
      return "";
    }
  }

  /** Writes a child's standard input. */
  @FunctionalInterface
  public interface Input {
    void writeTo(OutputStream stdin) throws IOException;
  }

  public Result run(List<String> args) throws IOException {
    return run(args, null);
  }

  public Result run(List<String> args, Input input) throws IOException {
    List<String> cmd = new ArrayList<>();
    Optional<Path> found = lookPath(program, env);
    if (found.isPresent() && SETPRIV.isPresent()) {
      // The kernel kills the child (SIGKILL) when the thread that started it ends, which is this
      // thread, waiting below; so a ko killed by SIGKILL leaves no go build running on. Only for a
      // program that exists: a missing one still fails in start() with Java's own error.
      cmd.addAll(List.of(SETPRIV.get().toString(), "--pdeathsig", "KILL", "--"));
    }
    cmd.add(found.map(Path::toString).orElse(program));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (directory != null) {
      pb.directory(directory.toFile());
    }
    pb.environment().clear();
    pb.environment().putAll(env);
    // The output goes to files rather than pipes: no thread per stream to drain them, however many
    // programs run at once, and nothing the child writes can block it while we wait.
    Path stdout = Files.createTempFile("ko-", ".stdout");
    Path stderr = Files.createTempFile("ko-", ".stderr");
    try {
      pb.redirectOutput(stdout.toFile());
      pb.redirectError(stderr.toFile());
      return run(pb, input, stdout, stderr);
    } finally {
      Files.deleteIfExists(stdout);
      Files.deleteIfExists(stderr);
    }
  }

  private Result run(ProcessBuilder pb, Input input, Path stdout, Path stderr) throws IOException {
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new IOException("cannot run " + program + ": " + e.getMessage(), e);
    }
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
      if (timeout == null) {
        p.waitFor();
      } else if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(p);
        throw new IOException(program + " did not finish within " + timeout.toSeconds() + " s");
      }
      int exit = p.exitValue();
      if (exit == 0 && inputFailure != null) {
        throw inputFailure;
      }
      return new Result(
          exit,
          Files.readAllBytes(stdout),
          new String(Files.readAllBytes(stderr), StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      kill(p);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while running " + program);
    }
  }

  /** Kills the process and its children, and waits (briefly) until they are gone. */
  private static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException again) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Go's exec.LookPath against {@code env}'s PATH (the JDK would search the JVM's own). A name with
   * a slash is used as it is; empty PATH entries are skipped rather than meaning the current
   * directory, as Go has refused relative results since 1.19.
   */
  public static Optional<Path> lookPath(String program, Map<String, String> env) {
    if (program.contains("/")) {
      return Optional.of(Path.of(program));
    }
    for (String dir : env.getOrDefault("PATH", "").split(":", -1)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
