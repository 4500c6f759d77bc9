package dev.ko.build;

import java.io.IOException;

/**
 * A go command failed. The message is one line (go's first error line); {@link #output()} has all
 * of go's output for the log.
 */
public final class GoCommandException extends IOException {
  private final String output;

  public GoCommandException(String message, String output) {
    super(message);
    this.output = output;
  }

  public String output() {
    return output;
  }
}
