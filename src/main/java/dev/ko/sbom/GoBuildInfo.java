package dev.ko.sbom;

import java.util.ArrayList;
import java.util.List;

/**
 * What a Go binary records about how it was built ({@code runtime/debug.BuildInfo}), read back from
 * the text {@code go version -m} prints. Go 1.19 prints no JSON, so the text format is the one we
 * read; it is the same from Go 1.18 on ({@code path}, {@code mod}, {@code dep}, {@code =>} replace
 * and {@code build} setting lines).
 *
 * @param path the main package's import path
 * @param main the main module
 * @param deps the dependencies, in the order Go recorded them (sorted by path)
 * @param settings the build settings ({@code -compiler=gc}, {@code GOOS=linux}, ...)
 */
public record GoBuildInfo(String goVersion, String path, GoModule main, List<GoModule> deps, List<Setting> settings) {

  /** One {@code build} line. */
  public record Setting(String key, String value) {}

  public GoBuildInfo {
    goVersion = goVersion == null ? "" : goVersion;
    path = path == null ? "" : path;
    main = main == null ? new GoModule("", "", "", null) : main;
    deps = List.copyOf(deps);
    settings = List.copyOf(settings);
  }

  /**
   * Reads the output of {@code go version -m BINARY}: its first line ({@code BINARY: go1.x}) is
   * dropped and every other line loses its leading whitespace, as ko does before parsing.
   */
  public static GoBuildInfo fromVersionM(String output) {
    int firstNewline = output.indexOf('\n');
    if (firstNewline < 0) {
      throw new IllegalArgumentException(
          "could not parse Go build info: no module information in \"" + output.strip() + "\"");
    }
    StringBuilder massaged = new StringBuilder(output.length());
    for (String line : output.substring(firstNewline + 1).split("\n", -1)) {
      massaged.append(line.stripLeading()).append('\n');
    }
    return parse(massaged.toString());
  }

  /**
   * Go's {@code debug.ParseBuildInfo}: one line per record, tab-separated; a final line without a
   * newline is ignored, as are lines of unknown kinds.
   */
  public static GoBuildInfo parse(String data) {
    String goVersion = "";
    String path = "";
    GoModule main = null;
    List<GoModule> deps = new ArrayList<>();
    List<Setting> settings = new ArrayList<>();
    // Index of the module a following "=>" line replaces: -1 none, -2 the main module.
    int last = -1;
    int lineNumber = 1;
    int start = 0;
    try {
      for (int end = data.indexOf('\n'); end >= 0; start = end + 1, end = data.indexOf('\n', start), lineNumber++) {
        String line = data.substring(start, end);
        if (line.startsWith("go\t")) {
          goVersion = line.substring(3);
        } else if (line.startsWith("path\t")) {
          path = line.substring(5);
        } else if (line.startsWith("mod\t")) {
          main = module(line.substring(4));
          last = -2;
        } else if (line.startsWith("dep\t")) {
          deps.add(module(line.substring(4)));
          last = deps.size() - 1;
        } else if (line.startsWith("=>\t")) {
          String[] elem = line.substring(3).split("\t", -1);
          if (elem.length != 3) {
            throw new IllegalArgumentException("expected 3 columns for replacement; got " + elem.length);
          }
          if (last == -1) {
            throw new IllegalArgumentException("replacement with no module on previous line");
          }
          GoModule replacement = new GoModule(elem[0], elem[1], elem[2], null);
          if (last == -2) {
            main = new GoModule(main.path(), main.version(), main.sum(), replacement);
          } else {
            GoModule m = deps.get(last);
            deps.set(last, new GoModule(m.path(), m.version(), m.sum(), replacement));
          }
          last = -1;
        } else if (line.startsWith("build\t")) {
          settings.add(setting(line.substring(6)));
        }
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("could not parse Go build info: line " + lineNumber + ": " + e.getMessage(), e);
    }
    return new GoBuildInfo(goVersion, path, main, deps, settings);
  }

  private static GoModule module(String columns) {
    String[] elem = columns.split("\t", -1);
    if (elem.length != 2 && elem.length != 3) {
      throw new IllegalArgumentException("expected 2 or 3 columns; got " + elem.length);
    }
    return new GoModule(elem[0], elem[1], elem.length == 3 ? elem[2] : "", null);
  }

  /** {@code key=value}, either side possibly a Go-quoted string (when it has spaces, quotes or '='). */
  private static Setting setting(String kv) {
    if (kv.isEmpty()) {
      throw new IllegalArgumentException("build line missing '='");
    }
    String key;
    String rawValue;
    char first = kv.charAt(0);
    if (first == '=') {
      throw new IllegalArgumentException("build line with missing key");
    } else if (first == '"' || first == '`') {
      int end = GoStrings.quotedPrefixLength(kv);
      if (end < 0) {
        throw new IllegalArgumentException("invalid quoted key in build line");
      }
      if (end == kv.length() || kv.charAt(end) != '=') {
        throw new IllegalArgumentException("build line missing '=' after quoted key");
      }
      key = GoStrings.unquote(kv.substring(0, end));
      rawValue = kv.substring(end + 1);
    } else {
      int eq = kv.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("build line missing '=' after key");
      }
      key = kv.substring(0, eq);
      rawValue = kv.substring(eq + 1);
    }
    String value = rawValue;
    if (!rawValue.isEmpty() && (rawValue.charAt(0) == '"' || rawValue.charAt(0) == '`')) {
      if (GoStrings.quotedPrefixLength(rawValue) != rawValue.length()) {
        throw new IllegalArgumentException("invalid quoted value in build line");
      }
      value = GoStrings.unquote(rawValue);
    }
    return new Setting(key, value);
  }
}
