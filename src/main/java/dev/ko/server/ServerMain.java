package dev.ko.server;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code java -cp ko.jar dev.ko.server.ServerMain --socket PATH [--idle-timeout SECONDS]}: the
 * build server, as the client starts it (detached, its output in the log file under the cache).
 */
public final class ServerMain {
  /** ko's default: three hours without a request. */
  static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(3);

  private ServerMain() {}

  public static void main(String[] args) {
    Path socket = null;
    Duration idle = DEFAULT_IDLE_TIMEOUT;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) {
        usage("missing value after " + a);
      }
      String v = args[++i];
      switch (a) {
        case "--socket" -> socket = Path.of(v);
        case "--idle-timeout" -> {
          try {
            idle = Duration.ofMillis((long) (Double.parseDouble(v) * 1000));
          } catch (NumberFormatException e) {
            usage("--idle-timeout " + v + ": want a number of seconds");
          }
        }
        default -> usage("unknown option " + a);
      }
    }
    if (socket == null) {
      usage("--socket is required");
    }
    try {
      Server server = new Server(socket, idle, System.err);
      server.serve();
    } catch (IOException | RuntimeException e) {
      System.err.println("ko-server: " + e);
      System.exit(1);
    }
    System.exit(0);
  }

  private static void usage(String problem) {
    System.err.println(
        "ko-server: " + problem + " (usage: --socket PATH [--idle-timeout SECONDS])");
    System.exit(2);
  }
}
