package dev.ko.registry;

import java.io.IOException;

/**
 * A request or sequence that failed on every try its {@link RetryPolicy} allowed; its message says
 * what was tried, how often, for how long and the last cause, which is also its cause. It is not
 * temporary (see {@link Failures#isTemporary}), so an enclosing retry does not start over.
 */
final class RetriesSpent extends IOException {
  RetriesSpent(String message, IOException last) {
    super(message, last);
  }
}
