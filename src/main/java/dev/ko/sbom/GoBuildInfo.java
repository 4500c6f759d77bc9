package dev.ko.sbom;

import java.util.ArrayList;
import java.util.List;

/**
 * The modules a Go binary records about how it was built ({@code runtime/debug.BuildInfo}), read
 * back from the text {@code go version -m} prints. Go 1.19 prints no JSON, so the text format is
 * the one we read; it is the same from Go 1.18 on. Only what the SBOM uses is kept: the main module
 * and the dependencies; {@code build} and {@code =>} (replacement) lines are skipped, and {@code
 * path} (the main package) is used only without a module (GOPATH mode).
 *
 * @param main the main module
 * @param deps the dependencies, in the order Go recorded them (sorted by path)
 * @param goVersion the Go toolchain that built the binary ({@code go1.19.8}), empty when unknown
 */
public record GoBuildInfo(GoModule main, List<GoModule> deps, String goVersion) {
  public GoBuildInfo {
    main = main == null ? new GoModule("", "", "") : main;
    deps = List.copyOf(deps);
    goVersion = goVersion == null ? "" : goVersion;
  }

  public GoBuildInfo(GoModule main, List<GoModule> deps) {
    this(main, deps, "");
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
    GoBuildInfo info = parse(massaged.toString());
    // The first line is "BINARY: go1.x.y"; the path may itself hold ": ", the version never does.
    String first = output.substring(0, firstNewline).strip();
    int colon = first.lastIndexOf(": ");
    String version = colon < 0 ? "" : first.substring(colon + 2).strip();
    return new GoBuildInfo(info.main(), info.deps(), version.startsWith("go") ? version : "");
  }

  /**
   * Go's {@code debug.ParseBuildInfo} for the {@code mod} and {@code dep} lines: one line per
   * record, tab-separated; a final line without a newline is ignored, as are lines of other kinds.
   */
  public static GoBuildInfo parse(String data) {
    GoModule main = null;
    String packagePath = null;
    List<GoModule> deps = new ArrayList<>();
    int lineNumber = 1;
    int start = 0;
    try {
      for (int end = data.indexOf('\n');
          end >= 0;
          start = end + 1, end = data.indexOf('\n', start), lineNumber++) {
        String line = data.substring(start, end);
        if (line.startsWith("path\t")) {
          packagePath = line.substring(5);
        } else if (line.startsWith("mod\t")) {
          main = module(line.substring(4));
        } else if (line.startsWith("dep\t")) {
          deps.add(module(line.substring(4)));
        }
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "could not parse Go build info: line " + lineNumber + ": " + e.getMessage(), e);
    }
    if (main == null && packagePath != null && !packagePath.isEmpty()) {
      // GOPATH mode (GO111MODULE=off): no module, only the main package's import path. It names
      // the program, with no version (a module's main always has one, "(devel)" at least).
      main = new GoModule(packagePath, "", "");
    }
    return new GoBuildInfo(main, deps);
  }

  private static GoModule module(String columns) {
    String[] elem = columns.split("\t", -1);
    if (elem.length != 2 && elem.length != 3) {
      throw new IllegalArgumentException("expected 2 or 3 columns; got " + elem.length);
    }
    return new GoModule(elem[0], elem[1], elem.length == 3 ? elem[2] : "");
  }
}
