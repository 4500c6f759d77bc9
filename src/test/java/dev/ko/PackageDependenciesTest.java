package dev.ko;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.testing.ClassReferences;
import dev.ko.testing.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Guards the package layering, read from the compiled classes so that a fully qualified name, a
 * class literal, a lambda or a generic signature counts as much as an import. Nested, anonymous and
 * local classes are class files of their own and are read too; lambda bodies live in their
 * enclosing class.
 */
class PackageDependenciesTest {
  /**
   * Each package of {@code dev.ko} and what it may use besides itself; {@code *} is everything.
   * Packages above the bottom five may use those too. A package missing here, or a class in {@code
   * dev.ko} itself, fails the test until it is given a place.
   */
  private static final String LAYERS =
      """
      errors     ->
      log        ->
      concurrent -> errors
      process    ->
      io         ->
      name       ->
      oci        -> name
      registry   -> oci name
      sbom       -> oci name
      sign       -> oci name
      attest     -> sign sbom oci name
      build      -> attest registry oci name sbom
      publish    -> attest sign registry oci name
      buildcache -> build publish attest registry oci name
      resolve    -> build publish registry oci name
      config     -> buildcache build publish registry sbom sign attest oci name
      cli        -> *
      server     -> cli config build
      """;

  private static final Set<String> BOTTOM = Set.of("errors", "log", "concurrent", "process", "io");

  private static final Map<String, Set<String>> ALLOWED = parse(LAYERS);

  private static Map<String, Set<String>> parse(String table) {
    Map<String, Set<String>> allowed = new LinkedHashMap<>();
    table
        .lines()
        .map(line -> line.split("->", -1))
        .forEach(
            row ->
                allowed.put(
                    row[0].strip(),
                    Arrays.stream(row[1].strip().split(" +"))
                        .filter(s -> !s.isEmpty())
                        .collect(Collectors.toSet())));
    for (Map.Entry<String, Set<String>> row : allowed.entrySet()) {
      if (row.getValue().remove("*")) {
        row.getValue().addAll(allowed.keySet());
      }
      if (!BOTTOM.contains(row.getKey())) {
        row.getValue().addAll(BOTTOM);
      }
    }
    return allowed;
  }

  @Test
  void classesFollowTheLayering() throws IOException {
    Path classes = Repo.root().resolve("target/classes");
    Set<String> violations = new TreeSet<>();
    int read = 0;
    try (Stream<Path> files = Files.walk(classes.resolve("dev/ko"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        ClassReferences.Result c = ClassReferences.read(Files.readAllBytes(file), "dev.ko");
        read++;
        String from = layer(c.name());
        Set<String> allowed = ALLOWED.get(from);
        if (allowed == null) {
          violations.add(c.name() + ": package " + packageOf(c.name()) + " is in no layer");
          continue;
        }
        for (String ref : c.references()) {
          String to = layer(ref);
          if (!to.equals(from) && !allowed.contains(to)) {
            violations.add(
                c.name() + " -> " + ref + " (" + from + " may not use " + display(to) + ")");
          }
        }
      }
    }
    assertThat(read).as("class files read from %s", classes).isGreaterThan(100);
    assertThat(violations).as("dependencies against the layering").isEmpty();
  }

  @Test
  void everyPackageHasAPlaceAndAPackageInfo() throws IOException {
    Path root = Repo.root().resolve("src/main/java/dev/ko");
    try (Stream<Path> dirs = Files.list(root)) {
      assertThat(dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()))
          .containsExactlyInAnyOrderElementsOf(ALLOWED.keySet());
    }
    List<String> missing = new ArrayList<>();
    try (Stream<Path> dirs = Files.walk(root)) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        boolean hasSources;
        try (Stream<Path> files = Files.list(dir)) {
          hasSources = files.anyMatch(f -> f.toString().endsWith(".java"));
        }
        if (hasSources && !Files.exists(dir.resolve("package-info.java"))) {
          missing.add(root.getParent().getParent().relativize(dir).toString().replace('/', '.'));
        }
      }
    }
    assertThat(missing).as("packages without a package-info.java").isEmpty();
  }

  /** The package right under dev.ko that holds {@code className}; "" for dev.ko itself. */
  private static String layer(String className) {
    String rest = className.substring("dev.ko.".length());
    int dot = rest.indexOf('.');
    return dot < 0 ? "" : rest.substring(0, dot);
  }

  private static String display(String layer) {
    return layer.isEmpty() ? "dev.ko itself" : layer;
  }

  private static String packageOf(String className) {
    return className.substring(0, className.lastIndexOf('.'));
  }
}
