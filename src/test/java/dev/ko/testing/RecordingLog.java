package dev.ko.testing;

import dev.ko.log.Log;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A log that keeps what library code reported: info lines, and every line debug included. */
public final class RecordingLog implements Log {
  /** Info lines, as the CLI prints them without -v. */
  public final List<String> lines = Collections.synchronizedList(new ArrayList<>());

  /** Info and debug lines, in order, as with -v. */
  public final List<String> everything = Collections.synchronizedList(new ArrayList<>());

  @Override
  public void info(String line) {
    lines.add(line);
    everything.add(line);
  }

  @Override
  public void debug(String line) {
    everything.add(line);
  }
}
