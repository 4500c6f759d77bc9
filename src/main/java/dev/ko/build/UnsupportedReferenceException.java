package dev.ko.build;

import dev.ko.errors.Contextual;

/** An import path that ko cannot build: not a main package, not found, or outside the module. */
public final class UnsupportedReferenceException extends IllegalArgumentException
    implements Contextual<UnsupportedReferenceException> {
  public UnsupportedReferenceException(String message) {
    super(message);
  }

  private UnsupportedReferenceException(String message, UnsupportedReferenceException cause) {
    super(message, cause);
  }

  @Override
  public UnsupportedReferenceException withContext(String context) {
    return new UnsupportedReferenceException(context + getMessage(), this);
  }
}
