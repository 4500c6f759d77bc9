package dev.ko.build;

/** An import path that ko cannot build: not a main package, not found, or outside the module. */
public final class UnsupportedReferenceException extends IllegalArgumentException {
  public UnsupportedReferenceException(String message) {
    super(message);
  }
}
