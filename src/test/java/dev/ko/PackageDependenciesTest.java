package dev.ko;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.testing.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Guards the package layering of DESIGN.md: name <- oci <- registry <- {build, publish} <- resolve
 * <- cli; sbom <- build; {build, publish, registry, sbom} <- config <- cli (config resolves the
 * option records those packages consume); log, concurrent and process below everything. A package
 * may import only the packages listed for it.
 */
class PackageDependenciesTest {
  private static final Set<String> BOTTOM = Set.of("log", "concurrent", "process", "io");
  private static final Map<String, Set<String>> ALLOWED =
      Map.ofEntries(
          Map.entry("log", Set.of()),
          Map.entry("concurrent", Set.of()),
          Map.entry("process", Set.of()),
          Map.entry("io", Set.of()),
          Map.entry("name", Set.of()),
          Map.entry("oci", Set.of("name")),
          Map.entry("registry", Set.of("oci", "name")),
          Map.entry("sbom", Set.of("oci", "name")),
          Map.entry("build", Set.of("registry", "oci", "name", "sbom")),
          Map.entry("publish", Set.of("registry", "oci", "name")),
          Map.entry("resolve", Set.of("build", "publish", "registry", "oci", "name")),
          Map.entry("config", Set.of("build", "publish", "registry", "sbom", "oci", "name")));

  private static final Pattern IMPORT =
      Pattern.compile("^import (?:static )?dev\\.ko\\.([a-z]+)\\.", Pattern.MULTILINE);

  @Test
  void importsFollowTheLayering() throws IOException {
    Path root = Repo.root().resolve("src/main/java/dev/ko");
    List<String> violations = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String pkg = root.relativize(file).getName(0).toString();
        if (pkg.equals("cli") || file.getParent().equals(root)) {
          continue; // the CLI composes everything
        }
        Set<String> allowed = ALLOWED.get(pkg);
        assertThat(allowed).as("package %s is not in the layering table", pkg).isNotNull();
        Matcher m = IMPORT.matcher(Files.readString(file));
        while (m.find()) {
          String used = m.group(1);
          if (!used.equals(pkg) && !BOTTOM.contains(used) && !allowed.contains(used)) {
            violations.add(root.relativize(file) + " imports dev.ko." + used);
          }
        }
      }
    }
    assertThat(violations).isEmpty();
  }

  @Test
  void theTableCoversEveryPackage() throws IOException {
    Path root = Repo.root().resolve("src/main/java/dev/ko");
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        String pkg = dir.getFileName().toString();
        assertThat(pkg.equals("cli") || ALLOWED.containsKey(pkg)).as(pkg).isTrue();
        assertThat(Files.exists(dir.resolve("package-info.java")))
            .as("%s has a package-info.java", pkg)
            .isTrue();
      }
    }
  }
}
