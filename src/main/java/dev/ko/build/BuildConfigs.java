package dev.ko.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        throw new IllegalArgumentException(c.where("") + ": build config was not matched to an import path");
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
   * Matches each entry to the import path of its main package: {@code main} (a directory, or a file
   * whose directory is used) must exist under {@code dir}, and {@code go list} run in {@code dir}
   * must find exactly one package there. Capabilities are checked too, so a bad entry stops the run
   * before anything is built.
   *
   * @throws IllegalArgumentException naming the file, line and key of the entry at fault
   */
  public static List<BuildConfig> resolve(
      Path workingDirectory, List<BuildConfig> entries, GoToolchain go, Map<String, String> env) throws IOException {
    List<BuildConfig> out = new ArrayList<>();
    Map<String, GoPackage> listed = new LinkedHashMap<>();
    for (BuildConfig c : entries) {
      try {
        Capabilities.xattr(c.linuxCapabilities());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(c.where("linux_capabilities") + ": " + e.getMessage(), e);
      }
      Path dir = directory(workingDirectory, c);
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException(c.where("dir") + ": directory \"" + c.dir() + "\" does not exist ("
            + dir + ")");
      }
      String pattern = localPattern(c, dir);
      String key = dir + "\0" + pattern;
      GoPackage p = listed.get(key);
      if (p == null) {
        List<GoPackage> found;
        try {
          found = go.list(dir, env, List.of(pattern));
        } catch (GoCommandException e) {
          throw new IllegalArgumentException(c.where("dir") + ": \"" + c.dir()
              + "\" does not contain a valid local import path (" + pattern + "): " + e.getMessage(), e);
        }
        if (found.size() != 1) {
          throw new IllegalArgumentException(c.where("") + ": results in " + found.size()
              + " local packages, only 1 is expected");
        }
        p = found.get(0);
        if (!p.error().isEmpty()) {
          throw new IllegalArgumentException(c.where("main") + ": \"" + c.main() + "\" in directory \""
              + c.dir() + "\" is not a valid local import path (" + pattern + "): " + p.error());
        }
        listed.put(key, p);
      }
      out.add(c.withImportPath(p.importPath()));
    }
    return out;
  }

  /**
   * {@code ./<main>}, or {@code ./<directory of main>} when {@code main} names a file, as GoReleaser
   * does. The path must exist (ko issue #483: a wrong {@code main} used to be ignored silently).
   */
  private static String localPattern(BuildConfig c, Path dir) {
    String main = c.main();
    if (Path.of(main).isAbsolute()) {
      throw new IllegalArgumentException(c.where("main") + ": \"" + main + "\" must be relative to dir \"" + c.dir() + "\"");
    }
    String path = main;
    if (Files.isRegularFile(dir.resolve(main))) {
      Path parent = Path.of(main).getParent();
      path = parent == null ? "." : parent.toString();
    }
    Path target = dir.resolve(path).normalize();
    if (!Files.exists(target)) {
      throw new IllegalArgumentException(c.where("main") + ": \"" + main + "\" does not exist in dir \"" + c.dir()
          + "\" (" + target + ")");
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
    if (!GoBuilder.isLocal(importPath)) {
      return importPath;
    }
    Path base = Path.of(baseDir).normalize();
    Path target = Path.of(importPath).normalize();
    if (base.isAbsolute() != target.isAbsolute()) {
      throw new IllegalArgumentException("cannot determine relative path of baseDir (\"" + baseDir
          + "\") and local path (\"" + importPath + "\")");
    }
    String rel = base.relativize(target).toString();
    if (rel.isEmpty()) {
      rel = ".";
    }
    // ko checks the prefix "..", which also refuses a directory named like "..x" (quirk kept).
    if (rel.startsWith("..")) {
      throw new IllegalArgumentException("import path (\"" + importPath
          + "\") must be a subdirectory of build config directory (\"" + baseDir + "\")");
    }
    if (!rel.startsWith(".")) {
      rel = "./" + rel;
    }
    return rel;
  }
}
