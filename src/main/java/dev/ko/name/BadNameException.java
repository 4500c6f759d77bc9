package dev.ko.name;

/** A string that is not a valid registry, repository or reference. The message names the value. */
public final class BadNameException extends IllegalArgumentException {
  public BadNameException(String message) {
    super(message);
  }
}
