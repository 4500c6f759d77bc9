package dev.ko.testing;

import dev.ko.cli.Cli;
import dev.ko.config.Env;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs the ko CLI in-process with a chosen environment and working directory; or, with the system
 * property {@code ko.test.server=true}, through the real client and build server ({@link
 * KoServer#shared}), so that every CLI test runs both ways.
 */
public final class KoRunner {
  private final Map<String, String> env;
  private final Path workingDirectory;
  private final byte[] stdin;

  private KoRunner(Map<String, String> env, Path workingDirectory, byte[] stdin) {
    this.env = env;
    this.workingDirectory = workingDirectory;
    this.stdin = stdin;
  }

  /** The same runner with this text on standard input. */
  public KoRunner withStdin(String text) {
    return new KoRunner(env, workingDirectory, text.getBytes(StandardCharsets.UTF_8));
  }

  /** The test JVM's PATH and HOME, plus the given variables. */
  public static KoRunner in(Path workingDirectory, Map<String, String> vars) {
    Map<String, String> env = new HashMap<>();
    for (String keep : new String[] {"PATH", "HOME", "GOCACHE", "GOPATH", "GOFLAGS", "TMPDIR"}) {
      String v = System.getenv(keep);
      if (v != null) {
        env.put(keep, v);
      }
    }
    env.putAll(vars);
    return new KoRunner(env, workingDirectory, new byte[0]);
  }

  /** The same runner with this standard input. */
  public KoRunner withStdin(byte[] input) {
    return new KoRunner(env, workingDirectory, input.clone());
  }

  public record Result(int exit, String stdout, String stderr) {
    public String describe() {
      return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  public Result run(String... args) {
    return run(new ByteArrayInputStream(stdin), args);
  }

  /** Runs with this standard input (one that blocks, say, as an embedding caller's pipe may). */
  public Result run(InputStream in, String... args) {
    if (Boolean.getBoolean("ko.test.server")) {
      return throughServer(in, args);
    }
    return inProcess(in, args);
  }

  /** In this JVM, whatever the system property says. */
  public Result inProcess(InputStream in, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      exit = Cli.run(args, new Env(env), workingDirectory, in, o, e);
    }
    return new Result(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /**
   * Through the real client and the shared server. The in-process runner prints UTF-8, so the
   * client gets a UTF-8 locale when the environment names none (a fresh JVM prints in the locale's
   * codeset, and so does the server).
   */
  public Result throughServer(InputStream in, String... args) {
    Map<String, String> withLocale = new HashMap<>(env);
    if (!env.containsKey("LC_ALL") && !env.containsKey("LC_CTYPE") && !env.containsKey("LANG")) {
      withLocale.put("LC_ALL", "C.UTF-8");
    }
    return KoServer.shared().run(workingDirectory, withLocale, in, args);
  }
}
