package dev.ko.build;

import dev.ko.oci.GoTime;
import dev.ko.oci.Platform;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The environment and flags of one {@code go build}, with ko's precedence:
 *
 * <ul>
 *   <li>env: {@code CGO_ENABLED=0}, {@code GOOS}, {@code GOARCH}, {@code GOARM}/{@code GOAMD64}
 *       &lt; the process environment &lt; the build config's {@code env}, else {@code defaultEnv};
 *   <li>flags: the build config's {@code flags}, else {@code defaultFlags}; then {@code -trimpath},
 *       then {@code -gcflags all=-N -l} when optimizations are off;
 *   <li>ldflags: {@code --ldflags}, else the build config's {@code ldflags}, else {@code
 *       defaultLdflags}, joined into one {@code -ldflags=} argument.
 * </ul>
 *
 * Flags and ldflags are templates over {@link #templateData}; {@code -toolexec} is refused, in
 * flags and in {@code GOFLAGS}.
 */
public final class BuildSettings {
  private BuildSettings() {}

  static Map<String, String> environment(
      BuildOptions options, BuildConfig config, Platform platform) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String kv : Platforms.goEnv(platform)) {
      put(env, kv, "ko");
    }
    env.putAll(options.environment());
    boolean own = config != null && config.env() != null;
    String origin = own ? config.where("env") : options.origin("defaultEnv");
    for (String kv : own ? config.env() : options.defaultEnv()) {
      put(env, kv, origin);
    }
    checkGoflags(env.getOrDefault("GOFLAGS", ""));
    return env;
  }

  /**
   * The arguments between {@code go build} and {@code -o}: flags, {@code -trimpath}, {@code
   * -gcflags}, {@code -ldflags=...}, templates applied.
   */
  static List<String> flags(BuildOptions options, BuildConfig config, Map<String, ?> data) {
    List<String> out = new ArrayList<>();
    if (config != null && config.flags() != null) {
      out.addAll(render(config.flags(), config.where("flags"), data));
    } else {
      out.addAll(render(options.defaultFlags(), options.origin("defaultFlags"), data));
    }
    if (options.trimpath()) {
      out.add("-trimpath");
    }
    if (options.disableOptimizations()) {
      out.add("-gcflags");
      out.add("all=-N -l");
    }
    List<String> ldflags;
    if (!options.ldflags().isEmpty()) {
      ldflags = render(options.ldflags(), options.origin("ldflags"), data);
    } else if (config != null && config.ldflags() != null) {
      ldflags = render(config.ldflags(), config.where("ldflags"), data);
    } else {
      ldflags = render(options.defaultLdflags(), options.origin("defaultLdflags"), data);
    }
    if (!ldflags.isEmpty()) {
      out.add("-ldflags=" + String.join(" ", ldflags));
    }
    return out;
  }

  private static List<String> render(List<String> templates, String origin, Map<String, ?> data) {
    List<String> out = new ArrayList<>();
    for (String t : templates) {
      String value;
      try {
        value = Template.parse(t).render(data);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
      }
      if (isToolexec(value)) {
        throw new IllegalArgumentException(origin + ": cannot set " + value);
      }
      out.add(value);
    }
    return out;
  }

  /**
   * What templates see: {@code .Env} (the build environment, with {@code LDFLAGS} defaulting to
   * empty), {@code .GoEnv} ({@code go env}, overridden by {@code .Env}), {@code .Date} and {@code
   * .Timestamp} ({@code SOURCE_DATE_EPOCH}, else now in the local {@code zone}) and {@code .Git}.
   * GoEnv and Git are only computed when a template reaches them.
   */
  static Map<String, Object> templateData(
      Map<String, String> buildEnv,
      Supplier<Map<String, String>> goEnv,
      Supplier<GitInfo> git,
      GoTime creationTime,
      ZoneId zone) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("LDFLAGS", "");
    env.putAll(buildEnv);
    OffsetDateTime date = creationTime != null ? creationTime.time() : OffsetDateTime.now(zone);
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("Env", Map.copyOf(env));
    data.put(
        "GoEnv",
        memoize(
            () -> {
              Map<String, String> m = new LinkedHashMap<>(goEnv.get());
              for (Map.Entry<String, String> e : env.entrySet()) {
                m.computeIfPresent(e.getKey(), (k, v) -> e.getValue());
              }
              return m;
            }));
    data.put("Date", GitInfo.RFC3339.format(date));
    data.put("Timestamp", date.toEpochSecond());
    data.put("Git", memoize(() -> git.get().templateValue()));
    return data;
  }

  private static <T> Supplier<T> memoize(Supplier<T> s) {
    return new Supplier<>() {
      private T value;

      @Override
      public synchronized T get() {
        if (value == null) {
          value = s.get();
        }
        return value;
      }
    };
  }

  static void put(Map<String, String> env, String kv, String origin) {
    int eq = kv.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException(
          origin + ": invalid environment variable entry \"" + kv + "\": want KEY=VALUE");
    }
    env.put(kv.substring(0, eq), kv.substring(eq + 1));
  }

  static boolean isToolexec(String arg) {
    return arg.equals("-toolexec")
        || arg.equals("--toolexec")
        || arg.startsWith("-toolexec=")
        || arg.startsWith("--toolexec=");
  }

  /**
   * Refuses {@code -toolexec} in a {@code GOFLAGS} value, as ko does: it would run an arbitrary
   * program on every compile.
   */
  public static void checkGoflags(String goflags) {
    for (String f : goflags.trim().split("\\s+", -1)) {
      if (isToolexec(f)) {
        throw new IllegalArgumentException("cannot set " + f + " via GOFLAGS environment variable");
      }
    }
  }
}
