package dev.ko.cli;

import dev.ko.build.EarlyGo;
import dev.ko.config.Env;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The root command: global flags and the context every subcommand runs in. */
@Command(
    name = "ko",
    description = "Rapidly iterate with Go, Containers, and Kubernetes.",
    subcommands = {
      BuildCommand.class,
      ResolveCommand.class,
      ApplyCommand.class,
      CreateCommand.class,
      DeleteCommand.class,
      RunCommand.class,
      VersionCommand.class,
      CompletionCommand.class,
      LoginCommand.class,
      TrainCommand.class,
      CommandLine.HelpCommand.class
    })
final class KoCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "Enable debug logs")
  boolean verbose;

  @Mixin HelpFlag help;

  private final Env env;
  private final Path workingDirectory;
  private final InputStream in;
  private final PrintStream out;
  private final PrintStream err;
  private final boolean processStdio;
  private final EarlyGo early;
  private final Warm warm;
  private final long startNanos = System.nanoTime();

  KoCommand(
      Env env,
      Path workingDirectory,
      InputStream in,
      PrintStream out,
      PrintStream err,
      boolean processStdio,
      EarlyGo early,
      Warm warm) {
    this.env = env;
    this.warm = warm;
    this.workingDirectory = workingDirectory;
    this.in = in;
    this.out = out;
    this.err = err;
    this.processStdio = processStdio;
    this.early = early;
  }

  /** {@code ko} alone prints help, as cobra does. */
  @Override
  public Integer call() {
    spec.commandLine().usage(out);
    return 0;
  }

  InputStream in() {
    return in;
  }

  Env env() {
    return env;
  }

  PrintStream out() {
    return out;
  }

  PrintStream err() {
    return err;
  }

  /** Whether in/out/err are the process's own streams, which child processes may inherit. */
  boolean processStdio() {
    return processStdio;
  }

  Path workingDirectory() {
    return workingDirectory;
  }

  boolean verbose() {
    return verbose;
  }

  Wiring wiring() {
    return new Wiring(env, workingDirectory, log(), early, warm);
  }

  /** The log on stderr, in ko's format; debug lines only with -v. */
  StderrLog log() {
    return new StderrLog(err, verbose, startNanos);
  }
}
