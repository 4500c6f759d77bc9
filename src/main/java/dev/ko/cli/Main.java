package dev.ko.cli;

import dev.ko.config.Env;
import java.nio.file.Path;

/** The {@code ko} executable. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if (ClassWarmup.wantedFor(args)) {
      ClassWarmup.start();
    }
    // Ctrl-C (or any exit) stops the go builds we started rather than leaving them running.
    Runtime.getRuntime().addShutdownHook(new Thread(() ->
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroy)));
    int code = Cli.run(args, Env.system(), Path.of("").toAbsolutePath(), System.in, System.out, System.err, true);
    // Exit at once: the HTTP client's threads would otherwise hold the JVM for a moment.
    System.exit(code);
  }
}
