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
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroy)));
    int code =
        Cli.run(
            args,
            Env.system(),
            Path.of("").toAbsolutePath(),
            System.in,
            System.out,
            System.err,
            true);
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
