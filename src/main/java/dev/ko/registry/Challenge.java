package dev.ko.registry;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** A parsed {@code WWW-Authenticate} header: a scheme and its parameters. */
public record Challenge(String scheme, Map<String, String> params) {
  public static final Challenge NONE = new Challenge("", Map.of());

  public Challenge {
    scheme = scheme.toLowerCase(Locale.ROOT);
    params = Map.copyOf(params);
  }

  public boolean isBearer() {
    return scheme.equals("bearer");
  }

  public boolean isBasic() {
    return scheme.equals("basic");
  }

  public String param(String name) {
    return params.getOrDefault(name, "");
  }

  /** Parses {@code Scheme k="v", k2=v2}; quoted values may contain commas and escaped quotes. */
  public static Optional<Challenge> parse(String header) {
    if (header == null || header.isBlank()) {
      return Optional.empty();
    }
    String s = header.strip();
    int space = s.indexOf(' ');
    String scheme = space < 0 ? s : s.substring(0, space);
    Map<String, String> params = new LinkedHashMap<>();
    int i = space < 0 ? s.length() : space + 1;
    while (i < s.length()) {
      while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == ',')) {
        i++;
      }
      int eq = s.indexOf('=', i);
      if (eq < 0) {
        break;
      }
      String key = s.substring(i, eq).strip().toLowerCase(Locale.ROOT);
      i = eq + 1;
      StringBuilder value = new StringBuilder();
      if (i < s.length() && s.charAt(i) == '"') {
        i++;
        while (i < s.length() && s.charAt(i) != '"') {
          if (s.charAt(i) == '\\' && i + 1 < s.length()) {
            i++;
          }
          value.append(s.charAt(i++));
        }
        i++;
      } else {
        while (i < s.length() && s.charAt(i) != ',') {
          value.append(s.charAt(i++));
        }
      }
      params.put(key, value.toString().strip());
    }
    return Optional.of(new Challenge(scheme, params));
  }
}
