package dev.ko.io;

import java.util.Optional;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.exceptions.ParserException;
import org.snakeyaml.engine.v2.parser.Parser;

/**
 * Refuses YAML nested deeper than {@link #MAX_DEPTH} collections, at the event that goes too deep.
 * snakeyaml-engine's composer recurses once per level (and has no limit of its own), so without
 * this a file a few thousand {@code [} long overflows the stack instead of getting an error with
 * its position. Real manifests nest a few dozen levels.
 */
public final class YamlDepthLimit implements Parser {
  /** Far above any manifest (a few dozen), well within what the composer fits in a 1 MB stack. */
  public static final int MAX_DEPTH = 256;

  private final Parser parser;
  private int depth;

  public YamlDepthLimit(Parser parser) {
    this.parser = parser;
  }

  @Override
  public boolean checkEvent(Event.ID choice) {
    return parser.checkEvent(choice);
  }

  @Override
  public Event peekEvent() {
    return parser.peekEvent();
  }

  @Override
  public Event next() {
    Event e = parser.next();
    switch (e.getEventId()) {
      case MappingStart, SequenceStart -> {
        if (++depth > MAX_DEPTH) {
          throw new ParserException(
              null,
              Optional.empty(),
              "nested deeper than " + MAX_DEPTH + " levels of mappings and sequences",
              e.getStartMark());
        }
      }
      case MappingEnd, SequenceEnd -> depth--;
      default -> {}
    }
    return e;
  }

  @Override
  public boolean hasNext() {
    return parser.hasNext();
  }
}
