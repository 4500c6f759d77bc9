package dev.ko.name;

import dev.ko.errors.Contextual;

/** A string that is not a valid registry, repository or reference. The message names the value. */
public final class BadNameException extends IllegalArgumentException
    implements Contextual<BadNameException> {
  public BadNameException(String message) {
    super(message);
  }

  private BadNameException(String message, BadNameException cause) {
    super(message, cause);
  }

  @Override
  public BadNameException withContext(String context) {
    return new BadNameException(context + getMessage(), this);
  }
}
