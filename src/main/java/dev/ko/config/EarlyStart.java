package dev.ko.config;

import dev.ko.build.EarlyGo;
import dev.ko.build.Platforms;
import dev.ko.name.ImportPath;
import dev.ko.oci.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides, from the raw command line and the environment alone (before picocli, the config reader
 * and the builder have loaded), which go commands a {@code ko build} will certainly start with, so
 * that {@link EarlyGo} can start them at once. Only the common case qualifies: every flag known and
 * none that changes the go command ({@code --platform}, {@code --ldflags}, {@code
 * --disable-optimizations}, {@code --debug}), no {@code KO_DEFAULT*} variable, and no config file
 * that could name a build config or default flags. Anything unexpected plans nothing; a plan that
 * turns out wrong costs only CPU, since the builder uses an early result only when its own command
 * is the same.
 */
public final class EarlyStart {
  /** Options that take a value (the next argument, or after {@code =}). */
  private static final Set<String> WITH_VALUE =
      Set.of(
          "-t",
          "--tags",
          "--image-refs",
          "--oci-layout-path",
          "--tarball",
          "--sbom",
          "--sbom-dir",
          "--referrers",
          "--image-label",
          "--image-annotation",
          "--image-user",
          "-j",
          "--jobs");

  /** Booleans that leave the go command as it is ({@code true}/{@code false} may follow). */
  private static final Set<String> BOOLEANS =
      Set.of(
          "-v",
          "--verbose",
          "--tag-only",
          "--push",
          "-L",
          "--local",
          "--insecure-registry",
          "-P",
          "--preserve-import-paths",
          "-B",
          "--base-import-paths",
          "--bare",
          "--provenance",
          "--source-annotations");

  /** What a config file must not mention for the default go command to be the one run. */
  private static final List<String> CONFIG_KEYS =
      List.of(
          "builds",
          "defaultPlatforms",
          "defaultEnv",
          "defaultFlags",
          "defaultLdflags",
          "cacheRepo");

  /** KO_CACHE_REPO: with a build cache, a go build started on speculation is what it saves. */
  private static final List<String> VARIABLES =
      List.of(
          "KO_CACHE_REPO",
          "KO_CONFIG_PATH",
          "KO_DEFAULTPLATFORMS",
          "KO_DEFAULTENV",
          "KO_DEFAULTFLAGS",
          "KO_DEFAULTLDFLAGS");

  private EarlyStart() {}

  /** The go commands to start now, or empty when the command line is not the common case. */
  public static Optional<EarlyGo.Request> plan(String[] args, Env env, Path workingDirectory) {
    List<String> patterns = new ArrayList<>();
    int jobs = Runtime.getRuntime().availableProcessors();
    boolean command = false;
    boolean push = true;
    boolean local = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("-")) {
        if (!command) {
          if (!a.equals("build") && !a.equals("publish")) {
            return Optional.empty();
          }
          command = true;
        } else {
          patterns.add(ImportPath.strip(a));
        }
        continue;
      }
      int eq = a.indexOf('=');
      String name = eq < 0 ? a : a.substring(0, eq);
      String value;
      if (WITH_VALUE.contains(name)) {
        if (eq >= 0) {
          value = a.substring(eq + 1);
        } else if (i + 1 < args.length) {
          value = args[++i];
        } else {
          return Optional.empty();
        }
        if ((name.equals("-t") || name.equals("--tags")) && !validTags(value)) {
          return Optional.empty(); // refused before anything is built: no early go build either
        }
        if (name.equals("-j") || name.equals("--jobs")) {
          try {
            jobs = Integer.parseInt(value);
          } catch (NumberFormatException e) {
            return Optional.empty();
          }
        }
      } else if (BOOLEANS.contains(name)) {
        value = "true";
        if (eq >= 0) {
          value = a.substring(eq + 1);
        } else if (i + 1 < args.length
            && (args[i + 1].equals("true") || args[i + 1].equals("false"))) {
          value = args[++i];
        }
        if (!value.equals("true") && !value.equals("false")) {
          return Optional.empty();
        }
        push = name.equals("--push") ? value.equals("true") : push;
        local = (name.equals("-L") || name.equals("--local")) ? value.equals("true") : local;
      } else {
        return Optional.empty(); // a flag that may change the build, or one we do not know
      }
    }
    if (!command || !commonEnvironment(env, workingDirectory)) {
      return Optional.empty();
    }
    if (env.get("KO_DOCKER_REPO").isEmpty() && push && !local) {
      return Optional.empty(); // the command will fail before anything is built
    }
    if (!env.get("KO_DOCKER_REPO").isEmpty()) {
      try {
        PublishOptionsResolver.registryOf(env.get("KO_DOCKER_REPO"), false);
      } catch (IllegalArgumentException e) {
        return Optional.empty(); // likewise: a KO_DOCKER_REPO that does not parse
      }
    }
    List<String> effective = Platforms.effective(List.of(), EnvironmentOptions.goTarget(env));
    if (effective.size() != 1) {
      return Optional.empty();
    }
    Platform platform;
    try {
      platform = Platform.parse(effective.get(0));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (patterns.isEmpty()) {
      patterns.add(".");
    }
    // `ko build ./a ./a` builds ./a once: so does the early start (a second early build of the
    // same output would only wait for the first and build again).
    patterns = new ArrayList<>(new java.util.LinkedHashSet<>(patterns));
    if (jobs < 1 || patterns.size() > jobs) {
      return Optional.empty(); // more builds than may run at once: leave the order to the builder
    }
    return Optional.of(
        new EarlyGo.Request(
            workingDirectory,
            EnvironmentOptions.goCommand(env),
            env.cacheDirectory(),
            patterns,
            env.asMap(),
            platform));
  }

  private static boolean commonEnvironment(Env env, Path workingDirectory) {
    for (String v : VARIABLES) {
      if (env.isSet(v)) {
        return false;
      }
    }
    if (env.get("GOFLAGS").contains("toolexec")) {
      return false;
    }
    for (String name : List.of(".ko.json", ".ko.yaml", ".ko.yml")) {
      Path file = workingDirectory.resolve(name);
      if (Files.exists(file)) {
        try {
          String text = Files.readString(file);
          if (CONFIG_KEYS.stream().anyMatch(text::contains)) {
            return false;
          }
        } catch (IOException | RuntimeException e) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean validTags(String value) {
    try {
      for (String tag : value.split(",", -1)) {
        dev.ko.name.Tag.checkTag(tag);
      }
      return true;
    } catch (dev.ko.name.BadNameException e) {
      return false;
    }
  }
}
