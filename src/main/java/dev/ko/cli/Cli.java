package dev.ko.cli;

import dev.ko.build.EarlyGo;
import dev.ko.config.Env;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * Runs one {@code ko} invocation against the given environment and streams; returns the exit code.
 */
public final class Cli {
  private Cli() {}

  /** With an empty standard input; child processes get their output copied to these streams. */
  public static int run(
      String[] args, Env env, Path workingDirectory, PrintStream out, PrintStream err) {
    return run(args, env, workingDirectory, InputStream.nullInputStream(), out, err, false);
  }

  /**
   * As above, with a standard input ({@code ko login --password-stdin} and {@code -f -} read it).
   */
  public static int run(
      String[] args,
      Env env,
      Path workingDirectory,
      InputStream in,
      PrintStream out,
      PrintStream err) {
    return run(args, env, workingDirectory, in, out, err, false);
  }

  /**
   * Runs one invocation with the given standard streams.
   *
   * @param processStdio whether {@code in}, {@code out} and {@code err} are this process's own, so
   *     that child processes such as {@code kubectl} can inherit them (a terminal stays a terminal)
   */
  public static int run(
      String[] args,
      Env env,
      Path workingDirectory,
      InputStream in,
      PrintStream out,
      PrintStream err,
      boolean processStdio) {
    return run(args, env, workingDirectory, in, out, err, processStdio, EarlyGo.NONE, Warm.NONE);
  }

  /**
   * As above, with go commands started before the command line was parsed (config.EarlyStart), for
   * the builder to use where they are exactly what it would run, and, in a process that serves many
   * invocations (the build server), what it keeps between them ({@code warm}; {@link Warm#NONE} in
   * a fresh process). Everything else comes from this invocation's arguments, environment and
   * working directory, as in a fresh process.
   */
  public static int run(
      String[] args,
      Env env,
      Path workingDirectory,
      InputStream in,
      PrintStream out,
      PrintStream err,
      boolean processStdio,
      EarlyGo early,
      Warm warm) {
    KoCommand root =
        new KoCommand(
            env.in(workingDirectory), workingDirectory, in, out, err, processStdio, early, warm);
    Callable<Integer> quick = QuickCommandLine.parse(args, root);
    if (quick != null) {
      int code;
      try {
        code = quick.call();
      } catch (Exception e) {
        code = failed(e, root, err);
      }
      out.flush();
      err.flush();
      return code;
    }
    CommandLine cl = new CommandLine(root);
    cl.setOut(writerOn(out));
    cl.setErr(writerOn(err));
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> failed(ex, root, err));
    cl.setParameterExceptionHandler(
        (ex, arguments) -> {
          err.println("Error: " + ex.getMessage());
          err.println(
              "Run '"
                  + ex.getCommandLine().getCommandSpec().qualifiedName()
                  + " --help' for usage.");
          return 2;
        });
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** Reports a command's failure: ko's one line for the user's errors, a bug report for ours. */
  private static int failed(Exception ex, KoCommand root, PrintStream err) {
    Throwable failure = ex instanceof UncheckedIOException u ? u.getCause() : ex;
    if (isUserFacing(failure)) {
      err.println("Error: " + message(failure));
    } else {
      err.println(
          "Error: internal error (a bug in ko-jvm; please report it): "
              + failure
              + (root.verbose() ? "" : " (run with -v for the stack trace)"));
    }
    if (root.verbose()) {
      failure.printStackTrace(err);
    }
    return 1;
  }

  /**
   * A writer for picocli that prints through {@code stream} itself, so its text is encoded in the
   * stream's charset like everything else printed there (JDK 17 cannot tell a PrintStream's charset
   * to build an encoder for it).
   */
  private static PrintWriter writerOn(PrintStream stream) {
    Writer chars =
        new Writer() {
          @Override
          public void write(char[] buf, int off, int len) {
            stream.print(String.valueOf(buf, off, len));
          }

          @Override
          public void flush() {
            stream.flush();
          }

          @Override
          public void close() {
            stream.close();
          }
        };
    return new PrintWriter(chars, true);
  }

  /**
   * Whether a failure is the user's to fix (bad input, a registry, go or kubectl saying no, a file
   * that cannot be read), as opposed to a bug in ko-jvm.
   */
  static boolean isUserFacing(Throwable failure) {
    return failure instanceof IOException || failure instanceof IllegalArgumentException;
  }

  /** The message a user needs; our exceptions carry ko-style "context: cause" chains already. */
  static String message(Throwable ex) {
    String m = ex.getMessage();
    if (m == null || m.isBlank()) {
      return ex.getClass().getSimpleName()
          + (ex.getCause() != null ? ": " + message(ex.getCause()) : "");
    }
    return m;
  }
}
