package dev.ko.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code .ko.yaml} build configs by import path. Each entry is matched to the import path of
 * its main package by {@code go list} in its own directory, as ko does when it loads the config; a
 * later entry for the same import path replaces an earlier one.
 */
public final class BuildConfigs {
  private final Path workingDirectory;
  private final Map<String, BuildConfig> byImportPath;
  private final List<BuildConfig> ordered;

  BuildConfigs(Path workingDirectory, List<BuildConfig> resolved) {
    this.workingDirectory = workingDirectory;
    Map<String, BuildConfig> m = new LinkedHashMap<>();
    for (BuildConfig c : resolved) {
      if (c.importPath().isEmpty()) {
        throw new IllegalArgumentException(
            c.where("") + ": build config was not matched to an import path");
      }
      m.remove(c.importPath()); // keep file order of the surviving entries
      m.put(c.importPath(), c);
    }
    this.byImportPath = Map.copyOf(m);
    this.ordered = List.copyOf(m.values());
  }

  /** The config for a fully qualified import path (without {@code ko://}), or null. */
  BuildConfig forImportPath(String importPath) {
    return byImportPath.get(importPath);
  }

  /** The configs in file order, to try when qualifying a local import path. */
  List<BuildConfig> all() {
    return ordered;
  }

  /** Where go runs for a config: its {@code dir} under the working directory. */
  Path directory(BuildConfig c) {
    return directory(workingDirectory, c);
  }

  private static Path directory(Path workingDirectory, BuildConfig c) {
    return workingDirectory.resolve(c.dir()).normalize();
  }

  /**
   * Matches each entry to its main package: {@code main} (a directory, or a file whose directory is
   * used) must exist under {@code dir}, and {@code go list} run in {@code dir} must find exactly
   * one package there. {@code go list} runs once per distinct directory with all of its entries'
   * patterns; the packages it finds are kept in the entries, so builds need not list them again.
   * Capabilities are checked too, so a bad entry stops the run before anything is built.
   *
   * @throws IllegalArgumentException naming the file, line and key of the entry at fault
   */
  public static List<BuildConfig> resolve(
      Path workingDirectory, List<BuildConfig> entries, GoToolchain go, Map<String, String> env)
      throws IOException {
    List<String> patterns = check(workingDirectory, entries);
    Map<Path, Set<String>> patternsByDirectory = new LinkedHashMap<>();
    for (int i = 0; i < entries.size(); i++) {
      patternsByDirectory
          .computeIfAbsent(directory(workingDirectory, entries.get(i)), d -> new LinkedHashSet<>())
          .add(patterns.get(i));
    }
    Map<Path, List<GoPackage>> listed = new HashMap<>();
    for (Map.Entry<Path, Set<String>> e : patternsByDirectory.entrySet()) {
      try {
        listed.put(e.getKey(), go.list(e.getKey(), env, List.copyOf(e.getValue())));
      } catch (GoCommandException ex) {
        // One bad pattern fails the whole call: each is listed alone below, so the error names its
        // entry.
        listed.put(e.getKey(), List.of());
      }
    }
    List<BuildConfig> out = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      BuildConfig c = entries.get(i);
      Path dir = directory(workingDirectory, c);
      String pattern = patterns.get(i);
      GoPackage p = find(listed.get(dir), dir, pattern);
      if (p == null) {
        p = listAlone(c, dir, pattern, go, env);
      }
      if (!p.error().isEmpty()) {
        throw new IllegalArgumentException(
            c.where("main")
                + ": \""
                + c.main()
                + "\" in directory \""
                + c.dir()
                + "\" is not a valid local import path ("
                + pattern
                + "): "
                + p.error());
      }
      out.add(c.withMainPackage(p));
    }
    return out;
  }

  /**
   * What can be checked without {@code go}: each entry's capabilities, that its {@code dir} exists
   * and that its {@code main} exists under it. {@link #resolve} checks the same first.
   *
   * @return each entry's local {@code go list} pattern, in order
   * @throws IllegalArgumentException naming the file, line and key of the entry at fault
   */
  public static List<String> check(Path workingDirectory, List<BuildConfig> entries) {
    List<String> patterns = new ArrayList<>();
    for (BuildConfig c : entries) {
      try {
        Capabilities.xattr(c.linuxCapabilities());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            c.where("linux_capabilities") + ": " + e.getMessage(), e);
      }
      Path dir = directory(workingDirectory, c);
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException(
            c.where("dir") + ": directory \"" + c.dir() + "\" does not exist (" + dir + ")");
      }
      patterns.add(localPattern(c, dir));
    }
    return patterns;
  }

  /**
   * The package {@code go list} reported for a local pattern: the one in the pattern's directory,
   * or, for a package go could not load, the one named like the pattern. Null when neither is
   * there.
   */
  private static GoPackage find(List<GoPackage> packages, Path dir, String pattern) {
    Path target = dir.resolve(pattern).normalize();
    for (GoPackage p : packages) {
      if (p.importPath().equals(pattern) || (p.dir() != null && sameDirectory(p.dir(), target))) {
        return p;
      }
    }
    return null;
  }

  static boolean sameDirectory(Path a, Path b) {
    if (a.equals(b)) {
      return true;
    }
    try {
      return Files.isSameFile(a, b);
    } catch (IOException e) {
      return false;
    }
  }

  private static GoPackage listAlone(
      BuildConfig c, Path dir, String pattern, GoToolchain go, Map<String, String> env)
      throws IOException {
    List<GoPackage> found;
    try {
      found = go.list(dir, env, List.of(pattern));
    } catch (GoCommandException e) {
      throw new IllegalArgumentException(
          c.where("dir")
              + ": \""
              + c.dir()
              + "\" does not contain a valid local import path ("
              + pattern
              + "): "
              + e.getMessage(),
          e);
    }
    if (found.size() != 1) {
      throw new IllegalArgumentException(
          c.where("") + ": results in " + found.size() + " local packages, only 1 is expected");
    }
    return found.get(0);
  }

  /**
   * {@code ./<main>}, or {@code ./<directory of main>} when {@code main} names a file, as
   * GoReleaser does. The path must exist (ko issue #483: a wrong {@code main} used to be ignored
   * silently).
   */
  private static String localPattern(BuildConfig c, Path dir) {
    String main = c.main();
    if (Path.of(main).isAbsolute()) {
      throw new IllegalArgumentException(
          c.where("main") + ": \"" + main + "\" must be relative to dir \"" + c.dir() + "\"");
    }
    String path = main;
    if (Files.isRegularFile(dir.resolve(main))) {
      Path parent = Path.of(main).getParent();
      path = parent == null ? "." : parent.toString();
    }
    Path target = dir.resolve(path).normalize();
    if (!Files.exists(target)) {
      throw new IllegalArgumentException(
          c.where("main")
              + ": \""
              + main
              + "\" does not exist in dir \""
              + c.dir()
              + "\" ("
              + target
              + ")");
    }
    String clean = Path.of(path).normalize().toString();
    if (clean.isEmpty() || clean.equals(".")) {
      return ".";
    }
    return clean.startsWith("../") || clean.equals("..") ? clean : "./" + clean;
  }

  /**
   * ko's {@code relativePath}: a local import path ({@code ./x}, relative to the working directory)
   * made relative to a build config's {@code dir}, so it can be qualified in that directory. Other
   * import paths are returned unchanged.
   *
   * @throws IllegalArgumentException when the path is not inside {@code baseDir}
   */
  public static String relativePath(String baseDir, String importPath) {
    if (!GoPackages.isLocal(importPath)) {
      return importPath;
    }
    Path base = Path.of(baseDir).normalize();
    Path target = Path.of(importPath).normalize();
    if (base.isAbsolute() != target.isAbsolute()) {
      throw new IllegalArgumentException(
          "cannot determine relative path of baseDir (\""
              + baseDir
              + "\") and local path (\""
              + importPath
              + "\")");
    }
    String rel = base.relativize(target).toString();
    if (rel.isEmpty()) {
      rel = ".";
    }
    // ko checks the prefix "..", which also refuses a directory named like "..x" (quirk kept).
    if (rel.startsWith("..")) {
      throw new IllegalArgumentException(
          "import path (\""
              + importPath
              + "\") must be a subdirectory of build config directory (\""
              + baseDir
              + "\")");
    }
    if (!rel.startsWith(".")) {
      rel = "./" + rel;
    }
    return rel;
  }
}
