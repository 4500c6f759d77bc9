package dev.ko.resolve;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Kubernetes label selector ({@code -l/--selector}) with the full syntax of {@code labels.Parse}:
 * {@code key=value}, {@code key==value}, {@code key!=value}, {@code key in (a,b)}, {@code key notin
 * (a,b)}, {@code key}, {@code !key}, {@code key>1}, {@code key<1}, joined by commas (all must
 * hold).
 */
public final class Selector {
  private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final String NAME_RULE =
      "at most 63 alphanumeric characters, '-', '_' or '.', "
          + "starting and ending with an alphanumeric character";
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  enum Operator {
    EXISTS,
    DOES_NOT_EXIST,
    IN,
    NOT_IN,
    GREATER_THAN,
    LESS_THAN
  }

  record Requirement(String key, Operator operator, Set<String> values) {
    boolean matches(Map<String, String> labels) {
      String value = labels.get(key);
      boolean has = labels.containsKey(key);
      return switch (operator) {
        case EXISTS -> has;
        case DOES_NOT_EXIST -> !has;
        case IN -> has && values.contains(value);
        case NOT_IN -> !has || !values.contains(value);
        case GREATER_THAN, LESS_THAN -> {
          if (!has) {
            yield false;
          }
          long actual;
          try {
            actual = Long.parseLong(value);
          } catch (NumberFormatException e) {
            yield false;
          }
          long wanted = Long.parseLong(values.iterator().next());
          yield operator == Operator.GREATER_THAN ? actual > wanted : actual < wanted;
        }
      };
    }
  }

  private final List<Requirement> requirements;

  private Selector(List<Requirement> requirements) {
    this.requirements = List.copyOf(requirements);
  }

  /** Parses a selector; an empty string selects everything. */
  public static Selector parse(String selector) {
    try {
      return new Selector(new Parser(selector).requirements());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unable to parse selector \"" + selector + "\": " + e.getMessage(), e);
    }
  }

  /** Whether objects with these labels are selected. */
  public boolean matches(Map<String, String> labels) {
    for (Requirement r : requirements) {
      if (!r.matches(labels)) {
        return false;
      }
    }
    return true;
  }

  /** Recursive descent over the tokens of Kubernetes' selector lexer. */
  private static final class Parser {
    private static final String SPECIAL = "=!(),<>";

    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    List<Requirement> requirements() {
      List<Requirement> out = new ArrayList<>();
      if (peek().isEmpty()) {
        return out;
      }
      while (true) {
        out.add(requirement());
        String next = next();
        if (next.isEmpty()) {
          return out;
        }
        if (!next.equals(",")) {
          throw new IllegalArgumentException(
              "found '" + next + "', expected: ',' or 'end of string'");
        }
        if (peek().isEmpty()) {
          throw new IllegalArgumentException("found 'end of string', expected: identifier or '!'");
        }
      }
    }

    private Requirement requirement() {
      if (peek().equals("!")) {
        next();
        String key = key(next());
        String after = peek();
        if (!after.isEmpty() && !after.equals(",")) {
          throw new IllegalArgumentException(
              "found '" + after + "', expected: ',' or 'end of string'");
        }
        return new Requirement(key, Operator.DOES_NOT_EXIST, Set.of());
      }
      String key = key(next());
      String op = peek();
      if (op.isEmpty() || op.equals(",")) {
        return new Requirement(key, Operator.EXISTS, Set.of());
      }
      next();
      return switch (op) {
        case "=", "==" -> new Requirement(key, Operator.IN, Set.of(value(singleValue())));
        case "!=" -> new Requirement(key, Operator.NOT_IN, Set.of(value(singleValue())));
        case "in" -> new Requirement(key, Operator.IN, valueSet(op));
        case "notin" -> new Requirement(key, Operator.NOT_IN, valueSet(op));
        case ">", "<" -> {
          String v = singleValue();
          try {
            Long.parseLong(v);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                "for 'Gt', 'Lt' operators, the value must be an integer, got \"" + v + "\"");
          }
          yield new Requirement(
              key, op.equals(">") ? Operator.GREATER_THAN : Operator.LESS_THAN, Set.of(v));
        }
        default ->
            throw new IllegalArgumentException(
                "found '" + op + "', expected: in, notin, =, ==, !=, gt, lt");
      };
    }

    /** The value after {@code =}, {@code ==}, {@code !=}, {@code >}, {@code <}; it may be empty. */
    private String singleValue() {
      String t = peek();
      if (t.isEmpty() || t.equals(",")) {
        return "";
      }
      if (isSymbol(t)) {
        throw new IllegalArgumentException("found '" + t + "', expected: identifier");
      }
      return next();
    }

    private Set<String> valueSet(String op) {
      String open = next();
      if (!open.equals("(")) {
        throw new IllegalArgumentException(
            "found '" + describe(open) + "', expected: '(' after '" + op + "'");
      }
      Set<String> values = new LinkedHashSet<>();
      while (true) {
        String t = peek();
        if (t.equals(")") || t.equals(",")) {
          values.add("");
        } else if (t.isEmpty() || isSymbol(t)) {
          throw new IllegalArgumentException(
              "found '" + describe(t) + "', expected: ',', ')' or identifier");
        } else {
          values.add(value(next()));
        }
        String sep = next();
        if (sep.equals(")")) {
          return values;
        }
        if (!sep.equals(",")) {
          throw new IllegalArgumentException("found '" + describe(sep) + "', expected: ',' or ')'");
        }
      }
    }

    private static String describe(String token) {
      return token.isEmpty() ? "end of string" : token;
    }

    private static boolean isSymbol(String t) {
      return !t.isEmpty() && SPECIAL.indexOf(t.charAt(0)) >= 0;
    }

    private String key(String t) {
      if (t.isEmpty() || isSymbol(t)) {
        throw new IllegalArgumentException("found '" + describe(t) + "', expected: identifier");
      }
      String name = t;
      int slash = t.indexOf('/');
      if (slash >= 0) {
        String prefix = t.substring(0, slash);
        name = t.substring(slash + 1);
        if (prefix.isEmpty() || prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
          throw new IllegalArgumentException(
              "invalid label key \"" + t + "\": prefix must be a DNS subdomain");
        }
      }
      if (name.isEmpty() || name.length() > 63 || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "invalid label key \"" + t + "\": name part must be " + NAME_RULE);
      }
      return t;
    }

    private static String value(String v) {
      if (!v.isEmpty() && (v.length() > 63 || !NAME.matcher(v).matches())) {
        throw new IllegalArgumentException(
            "invalid label value \"" + v + "\": must be empty or " + NAME_RULE);
      }
      return v;
    }

    // ---------------------------------------------------------------- lexer

    private String peek() {
      int saved = pos;
      String t = next();
      pos = saved;
      return t;
    }

    /** The next token; the empty string at the end. */
    private String next() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
      if (pos >= s.length()) {
        return "";
      }
      char c = s.charAt(pos);
      if (SPECIAL.indexOf(c) >= 0) {
        if ((c == '=' || c == '!') && pos + 1 < s.length() && s.charAt(pos + 1) == '=') {
          pos += 2;
          return c + "=";
        }
        pos++;
        return String.valueOf(c);
      }
      int start = pos;
      while (pos < s.length()
          && !Character.isWhitespace(s.charAt(pos))
          && SPECIAL.indexOf(s.charAt(pos)) < 0) {
        pos++;
      }
      return s.substring(start, pos);
    }
  }
}
