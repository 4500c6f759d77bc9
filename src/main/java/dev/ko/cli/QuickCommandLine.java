package dev.ko.cli;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The command lines of the edit-build-deploy loop ({@code ko build}, {@code ko publish}, {@code ko
 * resolve}) parsed without picocli. Picocli builds its model by reflection over classes compiled
 * for Java 5, which class-data sharing cannot archive, and that costs 100 to 250 ms of every cold
 * run, more than the rest of ko-jvm's overhead over {@code go build}. This parser fills the same
 * option objects picocli would (the commands run unchanged) for command lines made only of known
 * options in their plain forms; anything else (help, an unknown, clustered or ambiguous option, a
 * value picocli would reject, another command) makes it decline, and picocli parses as usual, with
 * its messages. {@code QuickCommandLineTest} checks that both read every accepted command line
 * alike and know the same options.
 */
final class QuickCommandLine {
  private QuickCommandLine() {}

  /** How an option takes its value; false for a value picocli would treat otherwise. */
  @FunctionalInterface
  private interface Setter {
    boolean set(String value);
  }

  private record Opt(boolean takesValue, Setter setter) {}

  /** The command, ready to call, or null when picocli should parse this command line. */
  static Callable<Integer> parse(String[] args, KoCommand root) {
    String command = null;
    for (String a : args) {
      if (!a.startsWith("-")) {
        command = a;
        break;
      }
    }
    if (command == null) {
      return null;
    }
    BuildFlags build = new BuildFlags();
    PublishFlags publish = new PublishFlags();
    Map<String, Opt> options = new HashMap<>();
    Set<String> seen = new HashSet<>();
    bool(options, seen, v -> root.verbose = v, "-v", "--verbose");
    publishOptions(options, publish, seen);
    buildOptions(options, build, seen);
    Callable<Integer> target;
    List<String> positionals;
    switch (command) {
      case "build", "publish" -> {
        BuildCommand b = new BuildCommand();
        b.root = root;
        b.buildFlags = build;
        b.publishFlags = publish;
        positionals = b.importPaths;
        target = b;
      }
      case "resolve" -> {
        ResolveCommand r = new ResolveCommand();
        r.root = root;
        r.buildFlags = build;
        r.publishFlags = publish;
        r.filenameFlags = new FilenameFlags();
        filenameOptions(options, r.filenameFlags, seen);
        positionals = null; // resolve takes none
        target = r;
      }
      default -> {
        return null;
      }
    }
    boolean commandSeen = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("-") || a.equals("-")) {
        if (!commandSeen) {
          commandSeen = true; // the command itself
        } else if (positionals == null) {
          return null;
        } else {
          positionals.add(a);
        }
        continue;
      }
      int eq = a.indexOf('=');
      String name = eq < 0 ? a : a.substring(0, eq);
      Opt opt = options.get(name);
      if (opt == null) {
        return null; // help, --, a clustered or unknown option: picocli's business
      }
      String value;
      if (eq >= 0) {
        value = a.substring(eq + 1);
      } else if (!opt.takesValue()) {
        // picocli reads a following true/false as the boolean's value.
        if (i + 1 < args.length && isBoolean(args[i + 1])) {
          return null;
        }
        value = "true";
      } else if (i + 1 < args.length && (!args[i + 1].startsWith("-") || args[i + 1].equals("-"))) {
        value = args[++i];
      } else {
        return null;
      }
      if (!opt.setter().set(value)) {
        return null;
      }
    }
    return target;
  }

  /** The option names this parser knows for a command (for the test that it matches picocli's). */
  static Set<String> optionNames(String command) {
    Map<String, Opt> options = new HashMap<>();
    Set<String> seen = new HashSet<>();
    bool(options, seen, v -> {}, "-v", "--verbose");
    publishOptions(options, new PublishFlags(), seen);
    buildOptions(options, new BuildFlags(), seen);
    if (command.equals("resolve")) {
      filenameOptions(options, new FilenameFlags(), seen);
    }
    return Set.copyOf(options.keySet());
  }

  private static boolean isBoolean(String s) {
    return s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false");
  }

  private static void publishOptions(Map<String, Opt> o, PublishFlags p, Set<String> seen) {
    list(o, p.tags, seen, "-t", "--tags");
    bool(o, seen, v -> p.tagOnly = v, "--tag-only");
    bool(o, seen, v -> p.push = v, "--push");
    bool(o, seen, v -> p.local = v, "-L", "--local");
    bool(o, seen, v -> p.insecureRegistry = v, "--insecure-registry");
    string(o, seen, v -> p.ociLayoutPath = v, "--oci-layout-path");
    string(o, seen, v -> p.tarball = v, "--tarball");
    string(o, seen, v -> p.imageRefs = v, "--image-refs");
    string(o, seen, v -> p.signKey = v, "--sign-key");
    string(o, seen, v -> p.cacheRepo = v, "--cache-repo");
    string(o, seen, v -> p.referrers = v, "--referrers");
    bool(o, seen, v -> p.preserveImportPaths = v, "-P", "--preserve-import-paths");
    bool(o, seen, v -> p.baseImportPaths = v, "-B", "--base-import-paths");
    bool(o, seen, v -> p.bare = v, "--bare");
  }

  private static void buildOptions(Map<String, Opt> o, BuildFlags b, Set<String> seen) {
    integer(o, seen, v -> b.jobs = v, "-j", "--jobs");
    bool(o, seen, v -> b.disableOptimizations = v, "--disable-optimizations");
    list(o, b.ldflags, seen, "--ldflags");
    string(o, seen, v -> b.sbom = v, "--sbom");
    string(o, seen, v -> b.sbomDir = v, "--sbom-dir");
    // Kept whole: config splits it, so an empty entry (",,") is seen and refused.
    put(
        o,
        new Opt(
            true,
            v -> {
              if (seen.add("--platform")) {
                b.platforms.clear();
              }
              b.platforms.add(v);
              return true;
            }),
        "--platform");
    list(o, b.imageLabels, seen, "--image-label");
    list(o, b.imageAnnotations, seen, "--image-annotation");
    string(o, seen, v -> b.imageUser = v, "--image-user");
    bool(o, seen, v -> b.debug = v, "--debug");
    bool(o, seen, v -> b.provenance = v, "--provenance");
    bool(o, seen, v -> b.sourceAnnotations = v, "--source-annotations");
  }

  private static void filenameOptions(Map<String, Opt> o, FilenameFlags f, Set<String> seen) {
    list(o, f.filenames, seen, "-f", "--filename");
    bool(o, seen, v -> f.recursive = v, "-R", "--recursive");
    string(o, seen, v -> f.selector = v, "-l", "--selector");
  }

  private static void put(Map<String, Opt> o, Opt opt, String... names) {
    for (String n : names) {
      o.put(n, opt);
    }
  }

  /** Picocli refuses a single-valued option given twice: so does this parser, by declining. */
  private static boolean once(Set<String> seen, String... names) {
    return seen.add(names[names.length - 1]);
  }

  private static void bool(
      Map<String, Opt> o, Set<String> seen, Consumer<Boolean> set, String... names) {
    put(
        o,
        new Opt(
            false,
            v -> {
              if ((!v.equals("true") && !v.equals("false")) || !once(seen, names)) {
                return false;
              }
              set.accept(v.equals("true"));
              return true;
            }),
        names);
  }

  private static void string(
      Map<String, Opt> o, Set<String> seen, Consumer<String> set, String... names) {
    put(
        o,
        new Opt(
            true,
            v -> {
              if (!once(seen, names)) {
                return false;
              }
              set.accept(v);
              return true;
            }),
        names);
  }

  private static void integer(
      Map<String, Opt> o, Set<String> seen, IntConsumer set, String... names) {
    put(
        o,
        new Opt(
            true,
            v -> {
              if (v.isEmpty()
                  || v.length() > 9
                  || !v.chars().allMatch(Character::isDigit)
                  || !once(seen, names)) {
                return false;
              }
              set.accept(Integer.parseInt(v));
              return true;
            }),
        names);
  }

  /**
   * A repeatable option split on commas. The first occurrence replaces the default, as in picocli;
   * a value with quotes or an empty part (which picocli splits its own way) declines.
   */
  private static void list(
      Map<String, Opt> o, List<String> target, Set<String> seen, String... names) {
    String key = names[names.length - 1];
    put(
        o,
        new Opt(
            true,
            v -> {
              if (v.isEmpty()
                  || v.contains("\"")
                  || v.contains("'")
                  || v.startsWith(",")
                  || v.endsWith(",")
                  || v.contains(",,")) {
                return false;
              }
              if (seen.add(key)) {
                target.clear();
              }
              target.addAll(List.of(v.split(",", -1)));
              return true;
            }),
        names);
  }
}
