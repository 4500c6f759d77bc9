package dev.ko.resolve;

import dev.ko.io.YamlDepthLimit;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.parser.Parser;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * One input file, parsed into node trees that remember where they came from in the text. The text
 * is kept exactly as decoded, so that edits can be spliced into it and every other byte survives.
 *
 * <p>snakeyaml-engine's marks count code points; everything here works in Java {@code char}
 * offsets, converted by {@link #offset(Mark)}.
 */
final class YamlFile {
  /**
   * One document: its root node and the part of the text that belongs to it, from the end of the
   * previous document up to and including its own end (its {@code ...} marker if any).
   */
  record Document(Node root, int start, int end) {}

  /**
   * A scalar as the parser saw it: its document, where its node starts (properties included), its
   * value.
   */
  record Scalar(int document, int start, String value) {}

  /** Called with each document as it is read; its tree is not kept after the call. */
  @FunctionalInterface
  interface DocumentHandler {
    void document(YamlFile file, Document document);
  }

  private final String name;
  private final Charset charset;
  private final String text;
  private final int[] charOffsets;

  private YamlFile(String name, Charset charset, String text, int[] charOffsets) {
    this.name = name;
    this.charset = charset;
    this.text = text;
    this.charOffsets = charOffsets;
  }

  /**
   * Decodes and parses, one document at a time: only the text is kept, so a file of many documents
   * costs about its text, not its trees (whose marks hold on to the parser's buffers). Errors name
   * the file, line and column.
   */
  static YamlFile parse(String name, byte[] content, DocumentHandler handler) {
    Charset charset = charsetOf(content);
    String text = decode(content, charset);
    YamlFile file = new YamlFile(name, charset, text, charOffsets(text));
    LoadSettings settings = settings(name);
    Recorder parser =
        new Recorder(
            new YamlDepthLimit(new ParserImpl(settings, new StreamReader(settings, text))));
    Composer composer = new Composer(settings, parser);
    try {
      int start = 0;
      while (composer.hasNext()) {
        Node root = composer.next();
        int end =
            lineEnd(
                text,
                parser
                    .lastDocumentEnd()
                    .map(m -> offset(file.charOffsets, m))
                    .orElse(text.length()));
        handler.document(file, new Document(root, start, end));
        start = end;
      }
    } catch (MarkedYamlEngineException e) {
      throw new IllegalArgumentException("yaml: " + describe(e), e);
    } catch (YamlEngineException e) {
      throw new IllegalArgumentException("yaml: " + e.getMessage(), e);
    }
    return file;
  }

  /**
   * Every scalar event of {@code text} in order (aliases are not scalars), read as it is iterated:
   * no tree is built.
   */
  static Iterator<Scalar> scalars(String name, String text) {
    int[] charOffsets = charOffsets(text);
    LoadSettings settings = settings(name);
    Parser parser = new YamlDepthLimit(new ParserImpl(settings, new StreamReader(settings, text)));
    return new Iterator<>() {
      private int document = -1;
      private Scalar next;

      @Override
      public boolean hasNext() {
        try {
          while (next == null && parser.hasNext()) {
            Event e = parser.next();
            if (e.getEventId() == Event.ID.DocumentStart) {
              document++;
            } else if (e instanceof ScalarEvent s) {
              next =
                  new Scalar(
                      document, offset(charOffsets, s.getStartMark().orElseThrow()), s.getValue());
            }
          }
        } catch (MarkedYamlEngineException e) {
          throw new IllegalArgumentException("yaml: " + describe(e), e);
        } catch (YamlEngineException e) {
          throw new IllegalArgumentException("yaml: " + e.getMessage(), e);
        }
        return next != null;
      }

      @Override
      public Scalar next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Scalar s = next;
        next = null;
        return s;
      }
    };
  }

  private static LoadSettings settings(String name) {
    return LoadSettings.builder()
        .setLabel(name)
        .setParseComments(false)
        .setAllowDuplicateKeys(true)
        // "? [a, b]: c" is valid YAML (and go-yaml reads it): resolve passes it through.
        .setAllowNonScalarKeys(true)
        .setCodePointLimit(Integer.MAX_VALUE)
        .setUseMarks(true)
        .setSchema(new CoreSchema())
        .build();
  }

  String name() {
    return name;
  }

  String text() {
    return text;
  }

  Charset charset() {
    return charset;
  }

  /** The {@code char} offset of a mark. */
  int offset(Mark mark) {
    return offset(charOffsets, mark);
  }

  int start(Node node) {
    return offset(node.getStartMark().orElseThrow());
  }

  int end(Node node) {
    return offset(node.getEndMark().orElseThrow());
  }

  /** Text in the file's own encoding (a byte order mark in the text stays where it was). */
  byte[] encode(String s) {
    return s.getBytes(charset);
  }

  /**
   * An explicit end ({@code ...}) takes the rest of its line, so that dropping the document leaves
   * no stray line break; an implicit end already sits at the start of the next line.
   */
  private static int lineEnd(String text, int end) {
    if (end == 0 || text.charAt(end - 1) == '\n' || end == text.length()) {
      return end;
    }
    int i = end;
    while (i < text.length() && text.charAt(i) != '\n' && text.charAt(i) != '\r') {
      i++;
    }
    if (i < text.length() && text.charAt(i) == '\r') {
      i++;
    }
    if (i < text.length() && text.charAt(i) == '\n') {
      i++;
    }
    return i;
  }

  private static int offset(int[] charOffsets, Mark mark) {
    int index = mark.getIndex();
    return charOffsets == null ? index : charOffsets[index];
  }

  /** Code point index to char index, or null when the two are the same (no surrogate pairs). */
  private static int[] charOffsets(String text) {
    int codePoints = text.codePointCount(0, text.length());
    if (codePoints == text.length()) {
      return null;
    }
    int[] out = new int[codePoints + 1];
    int cp = 0;
    for (int i = 0; i < text.length(); i = text.offsetByCodePoints(i, 1)) {
      out[cp++] = i;
    }
    out[cp] = text.length();
    return out;
  }

  /** YAML streams are UTF-8 unless a byte order mark says UTF-16. */
  private static Charset charsetOf(byte[] b) {
    if (b.length >= 2 && (b[0] & 0xff) == 0xfe && (b[1] & 0xff) == 0xff) {
      return StandardCharsets.UTF_16BE;
    }
    if (b.length >= 2 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xfe) {
      return StandardCharsets.UTF_16LE;
    }
    return StandardCharsets.UTF_8;
  }

  private static String decode(byte[] content, Charset charset) {
    CharsetDecoder decoder =
        charset
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(content);
    try {
      // The UTF-16 decoders named by byte order keep the byte order mark as U+FEFF, so it
      // round-trips.
      return decoder.decode(in).toString();
    } catch (MalformedInputException e) {
      throw new IllegalArgumentException(
          "yaml: the file is not valid " + charset.name() + " (at byte " + in.position() + ")", e);
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("yaml: the file is not valid " + charset.name(), e);
    }
  }

  /**
   * {@code line 3, column 8: mapping values are not allowed here (while scanning ... at line 2,
   * column 1)}.
   */
  private static String describe(MarkedYamlEngineException e) {
    StringBuilder b = new StringBuilder();
    Optional<Mark> problemMark = e.getProblemMark();
    problemMark.ifPresent(m -> b.append(position(m)).append(": "));
    b.append(e.getProblem() == null ? "invalid YAML" : e.getProblem().strip());
    if (e.getContext() != null) {
      b.append(" (").append(e.getContext().strip());
      e.getContextMark()
          .filter(m -> problemMark.isEmpty() || m.getIndex() != problemMark.get().getIndex())
          .ifPresent(m -> b.append(" at ").append(position(m)));
      b.append(")");
    }
    return b.toString();
  }

  private static String position(Mark m) {
    return "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1);
  }

  /** Passes events through to the composer; remembers where the last document ended. */
  private static final class Recorder implements Parser {
    private final Parser parser;
    private Optional<Mark> lastDocumentEnd = Optional.empty();

    Recorder(Parser parser) {
      this.parser = parser;
    }

    Optional<Mark> lastDocumentEnd() {
      return lastDocumentEnd;
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
      if (e.getEventId() == Event.ID.DocumentEnd) {
        lastDocumentEnd = e.getEndMark();
      }
      return e;
    }

    @Override
    public boolean hasNext() {
      return parser.hasNext();
    }
  }
}
