package dev.ko.errors;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;

/**
 * Puts context in front of a failure's message the way ko does ({@code "pulling X: " + cause}).
 *
 * <ul>
 *   <li>{@link Contextual} exceptions come back as their own type, with their fields;
 *   <li>other I/O failures become an {@link IOException} with the original as cause; a cancellation
 *       ({@link InterruptedIOException}) is returned as it is: it is not a failure of this step;
 *   <li>bad input ({@link IllegalArgumentException}) stays bad input;
 *   <li>any other runtime exception or error is a bug and is returned untouched, so that it is
 *       reported as one.
 * </ul>
 */
public final class ErrorContext {
  private ErrorContext() {}

  /** {@code e} with {@code context} in front of its message, as described above. */
  public static IOException add(String context, IOException e) {
    if (e instanceof InterruptedIOException) {
      return e;
    }
    if (e instanceof Contextual<?> c) {
      Exception copy = c.withContext(context);
      if (copy instanceof IOException io) {
        return io;
      }
    }
    return new IOException(context + message(e), e);
  }

  /** {@code e} with {@code context} in front of its message, as described above. */
  public static RuntimeException add(String context, RuntimeException e) {
    if (e instanceof UncheckedIOException u) {
      return new UncheckedIOException(add(context, u.getCause()));
    }
    if (e instanceof Contextual<?> c) {
      Exception copy = c.withContext(context);
      if (copy instanceof RuntimeException r) {
        return r;
      }
    }
    if (e instanceof IllegalArgumentException) {
      return new IllegalArgumentException(context + message(e), e);
    }
    return e;
  }

  /**
   * Rethrows {@code failure} (a task's, say) with context: I/O failures as {@link IOException},
   * runtime exceptions and errors as themselves (see {@link #add(String, RuntimeException)}).
   */
  public static IOException rethrow(String context, Throwable failure) {
    if (failure instanceof IOException io) {
      return add(context, io);
    }
    if (failure instanceof RuntimeException r) {
      RuntimeException withContext = add(context, r);
      if (withContext instanceof UncheckedIOException u) {
        return u.getCause();
      }
      throw withContext;
    }
    if (failure instanceof Error err) {
      throw err;
    }
    return new IOException(context + message(failure), failure);
  }

  /** A failure's message, or its type when it has none (Java's own are often empty). */
  public static String message(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
