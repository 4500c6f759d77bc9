package dev.ko.config;

import dev.ko.oci.GoTime;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A snapshot of the process environment. Only this package reads it: everything else receives
 * option records made from it, which is also what lets tests run the whole CLI in-process with an
 * environment of their choosing.
 */
public final class Env {
  private final Map<String, String> vars;
  private final Path directory;

  /** Relative paths in the variables resolve against the JVM's working directory. */
  public Env(Map<String, String> vars) {
    this(vars, Path.of("").toAbsolutePath());
  }

  private Env(Map<String, String> vars, Path directory) {
    this.vars = Map.copyOf(vars);
    this.directory = directory;
  }

  /** The real environment; the one place the program reads it. */
  public static Env system() {
    return new Env(System.getenv());
  }

  /**
   * The same variables, with relative paths in them ({@code DOCKER_CONFIG=.docker}) resolving
   * against {@code workingDirectory}: an invocation's own, which a long-lived process serving many
   * (the build server) cannot make its own.
   */
  public Env in(Path workingDirectory) {
    return new Env(vars, workingDirectory.toAbsolutePath());
  }

  /** A path from a variable's value, relative ones against the invocation's working directory. */
  public Path path(String value, String... more) {
    return directory.resolve(Path.of(value, more));
  }

  public String get(String name) {
    return vars.getOrDefault(name, "");
  }

  public boolean isSet(String name) {
    return !get(name).isEmpty();
  }

  /** A variable's value, present when it is set even to an empty value ({@code os.LookupEnv}). */
  public Optional<String> lookup(String name) {
    return Optional.ofNullable(vars.get(name));
  }

  /** The whole environment, for child processes such as {@code go}. */
  public Map<String, String> asMap() {
    return new TreeMap<>(vars);
  }

  public Path home() {
    String home = get("HOME");
    return home.isEmpty() ? Path.of(System.getProperty("user.home")) : path(home);
  }

  /** The local time zone, from {@code TZ} when set, as Go's {@code time.Local}. */
  public ZoneId zone() {
    return GoTime.localZone(get("TZ"));
  }

  /**
   * The cache for build outputs and layer metadata: {@code KOCACHE}, else {@code
   * $XDG_CACHE_HOME/ko-jvm}, else {@code ~/.cache/ko-jvm}.
   */
  public Path cacheDirectory() {
    if (isSet("KOCACHE")) {
      return path(get("KOCACHE"));
    }
    String xdg = get("XDG_CACHE_HOME");
    return (xdg.isEmpty() ? home().resolve(".cache") : path(xdg)).resolve("ko-jvm");
  }
}
