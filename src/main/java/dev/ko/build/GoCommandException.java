package dev.ko.build;

import dev.ko.errors.Contextual;
import java.io.IOException;

/**
 * A go command failed. The message is one line (go's first error line); {@link #output()} has all
 * of go's output for the log.
 */
public final class GoCommandException extends IOException
    implements Contextual<GoCommandException> {
  private final String output;

  public GoCommandException(String message, String output) {
    super(message);
    this.output = output;
  }

  private GoCommandException(String message, String output, GoCommandException cause) {
    super(message, cause);
    this.output = output;
  }

  public String output() {
    return output;
  }

  @Override
  public GoCommandException withContext(String context) {
    return new GoCommandException(context + getMessage(), output, this);
  }
}
