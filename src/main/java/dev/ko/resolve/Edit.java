package dev.ko.resolve;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Replace the text in {@code [start, end)} (char offsets) with {@code replacement}. */
record Edit(int start, int end, String replacement) {
  Edit {
    if (start < 0 || end < start) {
      throw new IllegalArgumentException("bad edit range [" + start + ", " + end + ")");
    }
  }

  static Edit delete(int start, int end) {
    return new Edit(start, end, "");
  }

  /**
   * Applies edits to the text. Edits inside a deleted range are dropped (a dropped document may
   * contain a reference another kept node aliases); other overlaps are a bug.
   */
  static String apply(String text, List<Edit> edits) {
    List<Edit> sorted = new ArrayList<>(edits);
    sorted.sort(
        Comparator.comparingInt(Edit::start).thenComparing(e -> e.replacement().isEmpty() ? 0 : 1));
    StringBuilder out = new StringBuilder(text.length() + 64 * sorted.size());
    int at = 0;
    for (Edit e : sorted) {
      if (e.start() < at) {
        if (e.end() <= at) {
          continue; // inside an earlier deletion
        }
        throw new IllegalStateException("overlapping edits at offset " + e.start());
      }
      out.append(text, at, e.start()).append(e.replacement());
      at = e.end();
    }
    return out.append(text, at, text.length()).toString();
  }
}
