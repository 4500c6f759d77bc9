package dev.ko.sbom;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Go string literals ({@code strconv.QuotedPrefix} and {@code strconv.Unquote}), as {@code go
 * version -m} quotes build settings.
 */
final class GoStrings {
  private GoStrings() {}

  /** The length of the Go string literal {@code s} starts with, or -1 when it starts with none. */
  static int quotedPrefixLength(String s) {
    if (s.isEmpty()) {
      return -1;
    }
    char quote = s.charAt(0);
    if (quote == '`') {
      int end = s.indexOf('`', 1);
      return end < 0 ? -1 : end + 1;
    }
    if (quote != '"') {
      return -1;
    }
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\n') {
        return -1;
      }
      if (c == '\\') {
        i++;
      } else if (c == '"') {
        return unquoteOrNull(s.substring(0, i + 1)) == null ? -1 : i + 1;
      }
    }
    return -1;
  }

  /** The value of a complete Go string literal. */
  static String unquote(String literal) {
    String value = unquoteOrNull(literal);
    if (value == null) {
      throw new IllegalArgumentException("invalid Go string literal " + literal);
    }
    return value;
  }

  private static String unquoteOrNull(String s) {
    if (s.length() < 2 || s.charAt(0) != s.charAt(s.length() - 1)) {
      return null;
    }
    String body = s.substring(1, s.length() - 1);
    if (s.charAt(0) == '`') {
      return body.indexOf('`') >= 0 ? null : body.replace("\r", "");
    }
    if (s.charAt(0) != '"') {
      return null;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length());
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c == '"' || c == '\n') {
        return null;
      }
      if (c != '\\') {
        int cp = body.codePointAt(i);
        out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
        i += Character.charCount(cp) - 1;
        continue;
      }
      if (++i >= body.length()) {
        return null;
      }
      char e = body.charAt(i);
      switch (e) {
        case 'a' -> out.write(7);
        case 'b' -> out.write('\b');
        case 'f' -> out.write('\f');
        case 'n' -> out.write('\n');
        case 'r' -> out.write('\r');
        case 't' -> out.write('\t');
        case 'v' -> out.write(11);
        case '\\' -> out.write('\\');
        case '"' -> out.write('"');
        case 'x', 'u', 'U' -> {
          int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          long value = hex(body, i + 1, digits);
          if (value < 0) {
            return null;
          }
          i += digits;
          if (e == 'x') {
            out.write((int) value);
          } else if (value > Character.MAX_CODE_POINT || (value >= 0xD800 && value <= 0xDFFF)) {
            return null;
          } else {
            out.writeBytes(new String(Character.toChars((int) value)).getBytes(StandardCharsets.UTF_8));
          }
        }
        case '0', '1', '2', '3', '4', '5', '6', '7' -> {
          if (i + 2 >= body.length()) {
            return null;
          }
          int value = 0;
          for (int k = 0; k < 3; k++) {
            char d = body.charAt(i + k);
            if (d < '0' || d > '7') {
              return null;
            }
            value = value * 8 + (d - '0');
          }
          if (value > 255) {
            return null;
          }
          out.write(value);
          i += 2;
        }
        default -> {
          return null;
        }
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** {@code count} hex digits at {@code from}, or -1. */
  private static long hex(String s, int from, int count) {
    if (from + count > s.length()) {
      return -1;
    }
    long value = 0;
    for (int k = 0; k < count; k++) {
      int d = Character.digit(s.charAt(from + k), 16);
      if (d < 0) {
        return -1;
      }
      value = value * 16 + d;
    }
    return value;
  }
}
