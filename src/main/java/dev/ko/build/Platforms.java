package dev.ko.build;

import dev.ko.oci.Platform;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Which platforms to build when none are given, and the Go environment for a platform. */
public final class Platforms {
  private Platforms() {}

  /**
   * The platform specs in effect: the given ones ({@code --platform}, else {@code defaultPlatforms}),
   * else {@code GOOS/GOARCH[/vGOARM]} when both are set, else {@code linux/amd64}. Given platforms
   * together with GOOS, GOARCH or GOARM in the environment are an error, as in ko.
   */
  public static List<String> effective(List<String> given, Map<String, String> env) {
    String goos = env.getOrDefault("GOOS", "");
    String goarch = env.getOrDefault("GOARCH", "");
    String goarm = env.getOrDefault("GOARM", "");
    if (!given.isEmpty()) {
      if (!goos.isEmpty() || !goarch.isEmpty() || !goarm.isEmpty()) {
        throw new IllegalArgumentException(String.format(
            "cannot use --platform or defaultPlatforms in .ko.yaml or env KO_DEFAULTPLATFORMS combined with "
                + "GOOS=\"%s\", GOARCH=\"%s\", GOARM=\"%s\"", goos, goarch, goarm));
      }
      return List.copyOf(given);
    }
    if (!goos.isEmpty() && !goarch.isEmpty()) {
      String spec = goos + "/" + goarch;
      // ko checks for "arm" anywhere in GOARCH, so arm64 takes GOARM too.
      if (goarch.contains("arm") && !goarm.isEmpty()) {
        spec += "/v" + goarm;
      }
      return List.of(spec);
    }
    return List.of("linux/amd64");
  }

  /** GOOS, GOARCH and GOARM or GOAMD64 for a platform, in the order ko puts them first. */
  static List<String> goEnv(Platform p) {
    List<String> env = new ArrayList<>();
    env.add("CGO_ENABLED=0");
    env.add("GOOS=" + p.os());
    env.add("GOARCH=" + p.architecture());
    if (!p.variant().isEmpty()) {
      if (p.architecture().equals("arm")) {
        String goarm = goarm(p);
        if (!goarm.isEmpty()) {
          env.add("GOARM=" + goarm);
        }
      } else if (p.architecture().equals("amd64")) {
        env.add("GOAMD64=" + p.variant());
      }
    }
    return env;
  }

  /**
   * What distinguishes one build from another: GOOS, GOARCH and GOARM or GOAMD64. Platforms with the
   * same key (linux/arm64 and linux/arm64/v8, say) share one binary.
   */
  static String buildKey(Platform p) {
    StringBuilder key = new StringBuilder(p.os()).append('-').append(p.architecture());
    for (String kv : goEnv(p)) {
      if (kv.startsWith("GOARM=") || kv.startsWith("GOAMD64=")) {
        key.append('-').append(kv.replace('=', '-'));
      }
    }
    return key.toString();
  }

  /** ko's getGoarm: v5..v7 as given, above v7 clamps to 7, below v5 means none. */
  static String goarm(Platform p) {
    String v = p.variant();
    if (!v.startsWith("v")) {
      throw new IllegalArgumentException("goarm failure: strange arm variant: " + v);
    }
    int n;
    try {
      n = Integer.parseInt(v.substring(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("goarm failure: cannot parse arm variant \"" + v + "\"");
    }
    if (n < 5) {
      return "";
    }
    return n > 7 ? "7" : Integer.toString(n);
  }
}
