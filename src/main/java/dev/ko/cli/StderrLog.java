package dev.ko.cli;

import dev.ko.log.Log;
import java.io.PrintStream;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** ko's log format on stderr: {@code YYYY/MM/DD HH:MM:SS message}; debug lines only with -v. */
final class StderrLog implements Log {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu/MM/dd HH:mm:ss");

  private final PrintStream err;
  private final boolean verbose;

  StderrLog(PrintStream err, boolean verbose) {
    this.err = err;
    this.verbose = verbose;
  }

  @Override
  public void info(String line) {
    print(line);
  }

  @Override
  public void debug(String line) {
    if (verbose) {
      print(line);
    }
  }

  private void print(String line) {
    String stamp = TIME.format(LocalDateTime.now());
    synchronized (err) {
      err.println(stamp + " " + line);
    }
  }
}
