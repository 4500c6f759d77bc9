package dev.ko.build;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The part of Go's {@code text/template} that ko users write in {@code flags} and {@code ldflags}:
 * text with field references such as {@code {{.Env.VERSION}}} or {@code {{ .Git.ShortCommit }}},
 * trim markers ({@code {{- ... -}}}) and comments ({@code {{/* ... *}{@literal /}}}). Missing keys
 * are errors, as with ko's {@code missingkey=error}. Any other action (pipelines, functions, {@code
 * if}, variables) is refused when parsing rather than passed through.
 */
public final class Template {
  private static final Pattern FIELD_CHAIN = Pattern.compile("(\\.[\\p{L}_][\\p{L}\\p{N}_]*)+");
  private static final String SPACE = " \t\r\n";

  private sealed interface Part permits Text, Field {}

  private record Text(String text) implements Part {}

  /** A field chain such as {@code .Git.ShortCommit}, with the action as written for messages. */
  private record Field(List<String> path, String action) implements Part {}

  private final String source;
  private final List<Part> parts;

  private Template(String source, List<Part> parts) {
    this.source = source;
    this.parts = List.copyOf(parts);
  }

  /**
   * Parses a template.
   *
   * @throws IllegalArgumentException naming the template for a syntax error or an unsupported
   *     action
   */
  public static Template parse(String source) {
    List<Part> parts = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    int i = 0;
    while (true) {
      int open = source.indexOf("{{", i);
      if (open < 0) {
        text.append(source, i, source.length());
        break;
      }
      text.append(source, i, open);
      int start = open + 2;
      if (source.length() >= start + 2
          && source.charAt(start) == '-'
          && isSpace(source.charAt(start + 1))) {
        trimTrailing(text);
        start += 2;
      }
      int close = source.indexOf("}}", start);
      if (close < 0) {
        throw error(source, "unclosed action starting at \"" + source.substring(open) + "\"");
      }
      String action = source.substring(open, close + 2);
      int end = close;
      boolean trimRight = false;
      if (end - 2 >= start && isSpace(source.charAt(end - 2)) && source.charAt(end - 1) == '-') {
        trimRight = true;
        end -= 2;
      }
      String body = source.substring(start, end).strip();
      if (body.startsWith("/*")) {
        if (!body.endsWith("*/") || body.length() < 4) {
          throw error(source, "comment ends before closing delimiter in " + action);
        }
      } else if (FIELD_CHAIN.matcher(body).matches()) {
        flush(text, parts);
        parts.add(new Field(List.of(body.substring(1).split("\\.")), action));
      } else {
        throw error(
            source,
            "unsupported action "
                + action
                + ": only field references such as {{ .Env.NAME }} or {{ .Git.ShortCommit }} are"
                + " supported");
      }
      i = close + 2;
      if (trimRight) {
        while (i < source.length() && isSpace(source.charAt(i))) {
          i++;
        }
      }
    }
    flush(text, parts);
    return new Template(source, parts);
  }

  /**
   * Renders with data whose values are strings, booleans, numbers, maps of those, or {@link
   * Supplier}s of any of these (evaluated only when a field reaches them).
   *
   * @throws IllegalArgumentException naming the template and the field for a missing key
   */
  public String render(Map<String, ?> data) {
    StringBuilder out = new StringBuilder();
    for (Part p : parts) {
      if (p instanceof Text t) {
        out.append(t.text());
      } else {
        out.append(value((Field) p, data));
      }
    }
    return out.toString();
  }

  private String value(Field f, Map<String, ?> data) {
    Object v = data;
    StringBuilder walked = new StringBuilder();
    for (String name : f.path()) {
      v = resolve(v);
      if (!(v instanceof Map<?, ?> m)) {
        throw error(
            source,
            "at <"
                + walked
                + "."
                + name
                + ">: can't evaluate field "
                + name
                + " in type "
                + goType(v));
      }
      walked.append('.').append(name);
      if (!m.containsKey(name)) {
        throw error(source, "at <" + walked + ">: map has no entry for key \"" + name + "\"");
      }
      v = m.get(name);
    }
    v = resolve(v);
    if (v instanceof String || v instanceof Boolean || v instanceof Number) {
      return v.toString();
    }
    throw error(
        source,
        "at <"
            + walked
            + ">: "
            + f.action()
            + " is "
            + goType(v)
            + ", not a value; name one of its keys");
  }

  private static Object resolve(Object v) {
    return v instanceof Supplier<?> s ? s.get() : v;
  }

  private static String goType(Object v) {
    if (v instanceof String) {
      return "string";
    }
    if (v instanceof Boolean) {
      return "bool";
    }
    if (v instanceof Number) {
      return "int64";
    }
    if (v instanceof Map) {
      return "a map";
    }
    return v == null ? "nil" : v.getClass().getSimpleName();
  }

  private static void flush(StringBuilder text, List<Part> parts) {
    if (text.length() > 0) {
      parts.add(new Text(text.toString()));
      text.setLength(0);
    }
  }

  private static void trimTrailing(StringBuilder text) {
    int n = text.length();
    while (n > 0 && isSpace(text.charAt(n - 1))) {
      n--;
    }
    text.setLength(n);
  }

  private static boolean isSpace(char c) {
    return SPACE.indexOf(c) >= 0;
  }

  private static IllegalArgumentException error(String source, String message) {
    return new IllegalArgumentException("template \"" + source + "\": " + message);
  }

  @Override
  public String toString() {
    return source;
  }
}
