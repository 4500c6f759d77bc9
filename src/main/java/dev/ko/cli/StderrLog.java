package dev.ko.cli;

import dev.ko.log.Log;
import java.io.PrintStream;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** ko's log format on stderr: {@code YYYY/MM/DD HH:MM:SS message}; debug lines only with -v. */
final class StderrLog implements Log {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu/MM/dd HH:mm:ss");

  private final PrintStream err;
  private final boolean verbose;
  private final long startNanos;

  StderrLog(PrintStream err, boolean verbose, long startNanos) {
    this.err = err;
    this.verbose = verbose;
    this.startNanos = startNanos;
  }

  @Override
  public void info(String line) {
    print(line);
  }

  @Override
  public void debug(String line) {
    if (verbose) {
      // Debug lines carry the time since the command started, to see where a run spends it.
      print("[+" + (System.nanoTime() - startNanos) / 1_000_000 + "ms] " + line);
    }
  }

  private void print(String line) {
    // The local time zone's wall clock, as Go's log package prints it.
    String stamp = TIME.format(LocalDateTime.now(ZoneId.systemDefault()));
    synchronized (err) {
      err.println(stamp + " " + line);
    }
  }
}
