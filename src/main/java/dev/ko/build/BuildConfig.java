package dev.ko.build;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One {@code builds[]} entry of {@code .ko.yaml}, with ko's defaults already applied by the config
 * reader. A null {@code env}, {@code flags} or {@code ldflags} means the key was not given, so the
 * {@code default*} value applies; an empty list was given as empty and overrides the default (ko
 * cannot express that, issue #1568).
 *
 * @param id the entry's id, or {@code #<index>}
 * @param dir the directory go runs in, relative to the working directory
 * @param main the main package (a directory or a {@code .go} file), relative to {@code dir}
 * @param linuxCapabilities capability terms ({@code cap1,cap2=ep})
 * @param origins where the entry ({@code ""}) and each key given came from, e.g. {@code
 *     /src/.ko.yaml:7: builds[0].ldflags}, for error messages
 * @param mainPackage what {@code go list} says about the main package; null until {@link
 *     BuildConfigs#resolve} has run it
 */
public record BuildConfig(
    String id,
    String dir,
    String main,
    List<String> env,
    List<String> flags,
    List<String> ldflags,
    List<String> linuxCapabilities,
    Map<String, String> origins,
    GoPackage mainPackage) {
  public BuildConfig {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(main, "main");
    env = copyOrNull(env);
    flags = copyOrNull(flags);
    ldflags = copyOrNull(ldflags);
    linuxCapabilities = linuxCapabilities == null ? List.of() : List.copyOf(linuxCapabilities);
    origins = Map.copyOf(origins);
  }

  /** The fully qualified import path of the main package; empty until resolved. */
  public String importPath() {
    return mainPackage == null ? "" : mainPackage.importPath();
  }

  /** The same entry, matched to its main package. */
  BuildConfig withMainPackage(GoPackage p) {
    return new BuildConfig(id, dir, main, env, flags, ldflags, linuxCapabilities, origins, p);
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
