package dev.ko.build;

import dev.ko.oci.Platform;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides which base platforms to build, with ko's rules: {@code all} takes everything except
 * Docker's {@code unknown/unknown} attestation entries; otherwise an empty field of a wanted
 * platform is a wildcard, a given variant must be equal, and a given osversion must be equal except
 * that on Windows {@code X.Y.Z} matches {@code X.Y.Z.A}.
 */
public final class PlatformMatcher {
  private final List<String> specs;
  private final boolean all;
  private final List<Platform> platforms;

  public PlatformMatcher(List<String> specs) {
    List<String> split = new ArrayList<>();
    for (String s : specs) {
      for (String part : s.split(",", -1)) {
        if (!part.isBlank()) {
          split.add(part.strip());
        }
      }
    }
    if (split.contains("all") && split.size() > 1) {
      throw new IllegalArgumentException("all or specific platforms should be used");
    }
    this.specs = List.copyOf(split);
    this.all = split.equals(List.of("all"));
    List<Platform> parsed = new ArrayList<>();
    if (!all) {
      for (String s : split) {
        parsed.add(Platform.parse(s));
      }
    }
    this.platforms = List.copyOf(parsed);
  }

  public boolean isAll() {
    return all;
  }

  /**
   * The wanted platforms that name both an OS and an architecture: builds can start before the base
   * is known.
   */
  List<Platform> concretePlatforms() {
    return platforms.stream()
        .filter(p -> !p.os().isEmpty() && !p.architecture().isEmpty())
        .toList();
  }

  public boolean matches(Platform base) {
    if (base != null && (base.os().equals("unknown") || base.architecture().equals("unknown"))) {
      return false;
    }
    if (all) {
      return true;
    }
    if (base == null) {
      return false;
    }
    for (Platform p : platforms) {
      if (!p.os().isEmpty() && !p.os().equals(base.os())) {
        continue;
      }
      if (!p.architecture().isEmpty() && !p.architecture().equals(base.architecture())) {
        continue;
      }
      if (!p.variant().isEmpty() && !p.variant().equals(base.variant())) {
        continue;
      }
      if (!p.osVersion().isEmpty()
          && !p.osVersion().equals(base.osVersion())
          && !windowsPrefixMatch(p, base)) {
        continue;
      }
      return true;
    }
    return false;
  }

  /** Windows alone lets a wanted X.Y.Z match a base X.Y.Z.A. */
  private static boolean windowsPrefixMatch(Platform wanted, Platform base) {
    if (!wanted.os().equals("windows")) {
      return false;
    }
    String w = wanted.osVersion();
    String b = base.osVersion();
    if (dots(w) != 2 || dots(b) != 3) {
      return false;
    }
    return w.equals(b.substring(0, b.lastIndexOf('.')));
  }

  private static long dots(String s) {
    return s.chars().filter(c -> c == '.').count();
  }

  @Override
  public String toString() {
    return "[" + String.join(" ", specs) + "]";
  }
}
