package dev.ko.errors;

/**
 * An exception that can be copied with context in front of its message, keeping its type and fields
 * (a registry's status and error codes, go's output).
 */
public interface Contextual<T extends Exception> {
  /** The same failure, its message prefixed with {@code context}; this one becomes its cause. */
  T withContext(String context);
}
