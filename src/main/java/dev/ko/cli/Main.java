package dev.ko.cli;

import dev.ko.build.EarlyGo;
import dev.ko.config.EarlyStart;
import dev.ko.config.Env;
import java.nio.file.Path;

/** The {@code ko} executable. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if (args.length == 1 && args[0].equals("version")) {
      // What `ko version` prints, without loading the command-line parser for it.
      System.out.println(Version.get());
      System.exit(0);
    }
    Env env = Env.system();
    Path workingDirectory = Path.of("").toAbsolutePath();
    // First thing: go list and go build of a plain `ko build` start now, not once the command line
    // is parsed and the builder composed (a few hundred milliseconds of JVM work on a cold start).
    EarlyGo early =
        EarlyStart.plan(args, env, workingDirectory).map(EarlyGo::start).orElse(EarlyGo.NONE);
    if (ClassWarmup.wantedFor(args)) {
      ClassWarmup.start(env);
    }
    // Ctrl-C (or any exit) stops the go builds we started rather than leaving them running.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroy)));
    int code =
        Cli.run(
            args, env, workingDirectory, System.in, System.out, System.err, true, early, Warm.NONE);
    early.close();
    stopHttpClientSelectors();
    System.exit(code);
  }

  /**
   * The JDK's HttpClient keeps a selector thread blocked in native code, and the JVM waits about
   * 300 ms at exit for threads in native code to settle; JDK 17's client cannot be closed.
   * Interrupting the selector ends its thread, so the process exits at once.
   */
  private static void stopHttpClientSelectors() {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("HttpClient-") && t.getName().endsWith("-SelectorManager")) {
        t.interrupt();
      }
    }
  }
}
