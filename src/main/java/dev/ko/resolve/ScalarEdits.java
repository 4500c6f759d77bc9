package dev.ko.resolve;

import dev.ko.name.ImportPath;
import java.util.List;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.common.ScalarStyle;

/**
 * The edits that give a scalar a new value while keeping its style: plain stays plain, quotes stay
 * quotes, a block scalar keeps its indicator, indentation and comment. Only the value's own text
 * changes (and a block scalar's chomping becomes {@code -}, so the value is exactly the new string,
 * as in ko, with no line break at its end).
 */
final class ScalarEdits {
  /** Strings that read back as the same string when written plain, in block and flow context. */
  private static final Pattern PLAIN_SAFE = Pattern.compile("[A-Za-z0-9_./][A-Za-z0-9_./:@+-]*");

  private ScalarEdits() {}

  static List<Edit> replace(YamlFile file, KoReferences.Found node, String value) {
    String text = file.text();
    int end = node.end();
    int start = valueStart(text, node.start(), end);
    ScalarStyle style = node.style();
    if (style == ScalarStyle.PLAIN) {
      return List.of(new Edit(start, end, plainSafe(value) ? value : doubleQuoted(value)));
    }
    if (style == ScalarStyle.SINGLE_QUOTED) {
      return List.of(new Edit(start + 1, end - 1, value.replace("'", "''")));
    }
    if (style == ScalarStyle.DOUBLE_QUOTED) {
      String quoted = doubleQuoted(value);
      return List.of(new Edit(start + 1, end - 1, quoted.substring(1, quoted.length() - 1)));
    }
    return block(file, text, node, start, end, value);
  }

  /**
   * A node's start mark is at its properties ({@code &anchor}, {@code !tag}), which may be followed
   * by spaces, line breaks and comments before the scalar itself.
   */
  static int valueStart(String text, int start, int end) {
    int i = start;
    while (i < end) {
      char c = text.charAt(i);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        i++;
      } else if (c == '#') {
        while (i < end && text.charAt(i) != '\n' && text.charAt(i) != '\r') {
          i++;
        }
      } else if (c == '&' || c == '!') {
        if (text.startsWith("!<", i)) {
          i = Math.max(text.indexOf('>', i), i) + 1;
        }
        while (i < end && !Character.isWhitespace(text.charAt(i))) {
          i++;
        }
      } else {
        return i;
      }
    }
    return i;
  }

  static boolean plainSafe(String value) {
    return PLAIN_SAFE.matcher(value).matches() && !value.endsWith(":");
  }

  private static String doubleQuoted(String value) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\x%02x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  /**
   * {@code |}/{@code >} header, then content lines. The value to replace starts at the first
   * content line (it begins with {@code ko://}, so no blank line comes first) and holds no line
   * break (a reference never does), so it is that line's text; trailing spaces on it go too.
   */
  private static List<Edit> block(
      YamlFile file, String text, KoReferences.Found node, int start, int end, String value) {
    if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("cannot write a multi-line value into a block scalar");
    }
    // Header: indicator, then chomping and indentation indicators in either order.
    int h = start + 1;
    char chomping = 0;
    StringBuilder indentation = new StringBuilder();
    while (h < end
        && (text.charAt(h) == '-' || text.charAt(h) == '+' || Character.isDigit(text.charAt(h)))) {
      char c = text.charAt(h);
      if (Character.isDigit(c)) {
        indentation.append(c);
      } else {
        chomping = c;
      }
      h++;
    }
    int lineBreak = h;
    while (lineBreak < end && text.charAt(lineBreak) != '\n' && text.charAt(lineBreak) != '\r') {
      lineBreak++;
    }
    int content = lineBreak;
    if (content < end && text.charAt(content) == '\r') {
      content++;
    }
    if (content < end && text.charAt(content) == '\n') {
      content++;
    }
    while (content < end && (text.charAt(content) == ' ' || text.charAt(content) == '\t')) {
      content++;
    }
    int contentEnd = content;
    while (contentEnd < end && text.charAt(contentEnd) != '\n' && text.charAt(contentEnd) != '\r') {
      contentEnd++;
    }
    if (content >= contentEnd || !text.startsWith(ImportPath.SCHEME, content)) {
      int line = node.line();
      throw new IllegalStateException(
          "block scalar at line " + line + " of " + file.name() + " does not start with its value");
    }
    // Trailing blanks on the line belong to the value: they go, so the value is exactly the
    // reference.
    Edit contentEdit = new Edit(content, contentEnd, value);
    if (chomping == '-') {
      return List.of(contentEdit);
    }
    Edit header = new Edit(start, h, text.charAt(start) + indentation.toString() + "-");
    return List.of(header, contentEdit);
  }
}
