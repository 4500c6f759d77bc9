package dev.ko.build;

import dev.ko.oci.Platform;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Which platforms to build when none are given, and the Go environment for a platform. */
public final class Platforms {
  private Platforms() {}

  /**
   * The platform specs in effect: the given ones ({@code --platform}, else {@code
   * defaultPlatforms}), else {@code GOOS/GOARCH[/vGOARM]} when both are set and not empty, else
   * {@code linux/amd64}. Given platforms together with GOOS, GOARCH or GOARM (even set to an empty
   * value) are an error naming the first of them, as in ko.
   */
  public static List<String> effective(List<String> given, GoTarget target) {
    Map<String, Optional<String>> variables = new LinkedHashMap<>();
    variables.put("GOOS", target.goos());
    variables.put("GOARCH", target.goarch());
    variables.put("GOARM", target.goarm());
    if (!given.isEmpty()) {
      for (Map.Entry<String, Optional<String>> v : variables.entrySet()) {
        if (v.getValue().isPresent()) {
          throw new IllegalArgumentException(
              "cannot use --platform or defaultPlatforms in .ko.yaml or env "
                  + "KO_DEFAULTPLATFORMS combined with "
                  + v.getKey()
                  + "="
                  + goQuote(v.getValue().get()));
        }
      }
      return List.copyOf(given);
    }
    String goos = target.goos().orElse("");
    String goarch = target.goarch().orElse("");
    String goarm = target.goarm().orElse("");
    if (!goos.isEmpty() && !goarch.isEmpty()) {
      String spec = goos + "/" + goarch;
      // ko checks for "arm" anywhere in GOARCH, so arm64 takes GOARM too.
      if (goarch.contains("arm") && !goarm.isEmpty()) {
        spec += "/v" + goarm;
      }
      return List.of(spec);
    }
    return List.of(BuildOptions.DEFAULT_PLATFORM);
  }

  /** Go's {@code %q} for the characters an environment variable holds. */
  static String goQuote(String s) {
    StringBuilder out = new StringBuilder("\"");
    s.codePoints()
        .forEach(
            c -> {
              switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                case 7 -> out.append("\\a");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case 11 -> out.append("\\v");
                default -> {
                  if (c < 0x20 || c == 0x7f) {
                    out.append(String.format("\\x%02x", c));
                  } else {
                    out.appendCodePoint(c);
                  }
                }
              }
            });
    return out.append('"').toString();
  }

  /**
   * Whether a wanted platform alone decides the Go environment of its build, so the build can start
   * before the base is known. {@code arm} without a variant does not: the base's {@code arm/v7}
   * needs {@code GOARM=7}, its {@code arm/v6} {@code GOARM=6}.
   */
  /**
   * The platform an image is built for from a base that is a single image: its config's, linux and
   * amd64 where the config leaves them out (features and variants of the config kept, as ko).
   */
  static Platform ofBaseConfig(Platform p) {
    return p == null
        ? Platform.LINUX_AMD64
        : new Platform(
            p.os().isEmpty() ? "linux" : p.os(),
            p.architecture().isEmpty() ? "amd64" : p.architecture(),
            p.variant(),
            p.osVersion(),
            p.osFeatures(),
            List.of());
  }

  static boolean decidesGoEnvironment(Platform p) {
    return !(p.architecture().equals("arm") && p.variant().isEmpty());
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
   * What distinguishes one build from another: GOOS, GOARCH and GOARM or GOAMD64. Platforms with
   * the same key (linux/arm64 and linux/arm64/v8, say) share one binary.
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
