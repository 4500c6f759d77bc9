package dev.ko.build;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One {@code builds[]} entry of {@code .ko.yaml}. A null {@code env}, {@code flags} or {@code
 * ldflags} means the key was not given, so the {@code default*} value applies; an empty list was
 * given as empty and overrides the default (ko cannot express that, issue #1568).
 *
 * @param id the entry's id, or {@code #<index>}
 * @param importPath the fully qualified import path of the entry's main package; empty until {@link
 *     BuildConfigs#resolve} has run {@code go list}
 * @param dir the directory go runs in, relative to the working directory
 * @param main the main package (a directory or a {@code .go} file), relative to {@code dir}
 * @param linuxCapabilities capability terms ({@code cap1,cap2=ep})
 * @param origins where the entry ({@code ""}) and each key came from, e.g. {@code
 *     /src/.ko.yaml:7: builds[0].ldflags}, for error messages
 */
public record BuildConfig(
    String id,
    String importPath,
    String dir,
    String main,
    List<String> env,
    List<String> flags,
    List<String> ldflags,
    List<String> linuxCapabilities,
    Map<String, String> origins) {
  public BuildConfig {
    importPath = importPath == null ? "" : importPath;
    dir = dir == null || dir.isEmpty() ? "." : dir;
    main = main == null || main.isEmpty() ? "." : main;
    env = copyOrNull(env);
    flags = copyOrNull(flags);
    ldflags = copyOrNull(ldflags);
    linuxCapabilities = linuxCapabilities == null ? List.of() : List.copyOf(linuxCapabilities);
    origins = Map.copyOf(origins);
  }

  /** The same entry, matched to its import path. */
  public BuildConfig withImportPath(String path) {
    return new BuildConfig(id, path, dir, main, env, flags, ldflags, linuxCapabilities, origins);
  }

  /** Where a key (or, for {@code ""}, the entry) came from. */
  public String where(String key) {
    String w = origins.get(key);
    if (w != null) {
      return w;
    }
    String entry = origins.getOrDefault("", "build config " + id);
    return key.isEmpty() ? entry : entry + "." + key;
  }

  private static List<String> copyOrNull(List<String> l) {
    return l == null ? null : Collections.unmodifiableList(new ArrayList<>(l));
  }
}
