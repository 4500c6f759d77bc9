package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.testing.GoModules;
import dev.ko.testing.KoRunner;
import dev.ko.testing.TestBed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input to resolve, apply, create, delete and run: one {@code Error:} line naming the value,
 * exit 1, nothing on stdout, nothing pushed.
 */
@Tag("integration")
class ResolveErrorsIntegrationTest {
  private static final String MODULE = ResolveIntegrationTest.MODULE;

  private final TestBed bed = TestBed.plain();

  @TempDir Path tmp;

  private String repo;

  /** A module whose config has one good file, so a half-done run would push its image. */
  private Path module() throws Exception {
    Path module = GoModules.mainPackages(tmp.resolve("app"), MODULE, List.of("hello"));
    Path config = Files.createDirectories(module.resolve("config"));
    Files.writeString(config.resolve("a-good.yaml"), "image: ko://example.com/app/cmd/hello\n");
    return module;
  }

  private Map<String, String> env() {
    repo = "err-resolve-" + Long.toHexString(System.nanoTime());
    return ResolveIntegrationTest.env(bed, tmp, repo);
  }

  /** Asserts ko's failure shape, that nothing was pushed, and returns the error line. */
  private String failure(KoRunner.Result r) throws Exception {
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.stdout()).as("nothing on stdout").isEmpty();
    List<String> errors =
        Arrays.stream(r.stderr().split("\n")).filter(l -> l.startsWith("Error:")).toList();
    assertThat(errors).as(r.stderr()).hasSize(1);
    assertThat(r.stderr().strip()).as("the error is the last line").endsWith(errors.get(0));
    if (repo != null) {
      assertThat(bed.tags(repo + "/hello-" + ResolveIntegrationTest.md5(MODULE + "/cmd/hello")))
          .as("nothing pushed")
          .isEmpty();
    }
    return errors.get(0);
  }

  @Test
  void yamlThatDoesNotParseNamesFileLineAndColumn() throws Exception {
    Path module = module();
    Files.writeString(
        module.resolve("config/b-bad.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   labels: {}\n");
    String e = failure(KoRunner.in(module, env()).run("resolve", "-f", "config"));
    assertThat(e)
        .isEqualTo(
            "Error: error processing import paths in \"config/b-bad.yaml\": yaml: line 5, column"
                + " 10: mapping values are not allowed here");

    Files.writeString(module.resolve("config/b-bad.yaml"), "{\"a\": [1, 2}\n");
    assertThat(failure(KoRunner.in(module, env()).run("resolve", "-f", "config")))
        .startsWith(
            "Error: error processing import paths in \"config/b-bad.yaml\": yaml: line 1, column"
                + " 12: ");
  }

  @Test
  void aReferenceThatIsNotAMainPackage() throws Exception {
    Path module = module();
    Files.writeString(module.resolve("config/b-lib.yaml"), "image: \"ko://example.com/app/lib\"\n");
    String e = failure(KoRunner.in(module, env()).run("resolve", "-f", "config"));
    assertThat(e)
        .isEqualTo(
            "Error: error processing import paths in \"config/b-lib.yaml\": error resolving image"
                + " references: found strict reference but ko://example.com/app/lib is not a valid"
                + " import path: importpath is not `package main`");
  }

  @Test
  void aReferenceThatDoesNotExist() throws Exception {
    Path module = module();
    Files.writeString(
        module.resolve("config/b-none.yaml"), "image: ko://example.com/app/cmd/none\n");
    String e = failure(KoRunner.in(module, env()).run("resolve", "-f", "config"));
    assertThat(e)
        .startsWith(
            "Error: error processing import paths in \"config/b-none.yaml\": error resolving image"
                + " references: found strict reference but ko://example.com/app/cmd/none is not a"
                + " valid import path: ");
  }

  @Test
  void aPackageThatDoesNotCompile() throws Exception {
    Path module = module();
    Path broken = Files.createDirectories(module.resolve("cmd/broken"));
    Files.writeString(
        broken.resolve("main.go"), "package main\n\nfunc main() { undefinedThing() }\n");
    Files.writeString(
        module.resolve("config/b-broken.yaml"), "image: ko://example.com/app/cmd/broken\n");
    String e = failure(KoRunner.in(module, env()).run("resolve", "-f", "config"));
    assertThat(e)
        .startsWith(
            "Error: error processing import paths in \"config/b-broken.yaml\": error resolving"
                + " image references: error building \"ko://example.com/app/cmd/broken\": ")
        .contains("undefined: undefinedThing");
  }

  @Test
  void aMissingFileOrAUrl() throws Exception {
    Path module = module();
    assertThat(
            failure(
                KoRunner.in(module, env())
                    .run("resolve", "-f", "config", "-f", "config/nope.yaml")))
        .isEqualTo("Error: error enumerating files: config/nope.yaml: no such file or directory");
    // The files are read before the publisher is made (which would fail on this repository).
    Map<String, String> badRepo = env();
    badRepo.put("KO_DOCKER_REPO", "Not/A/Repo");
    assertThat(failure(KoRunner.in(module, badRepo).run("resolve", "-f", "config/nope.yaml")))
        .isEqualTo("Error: error enumerating files: config/nope.yaml: no such file or directory");
    assertThat(
            failure(KoRunner.in(module, env()).run("resolve", "-f", "https://example.com/x.yaml")))
        .isEqualTo(
            "Error: error enumerating files: https://example.com/x.yaml: URLs are not supported, "
                + "download the file and pass its path");
  }

  @Test
  void aBadSelector() throws Exception {
    Path module = module();
    assertThat(
            failure(KoRunner.in(module, env()).run("resolve", "-f", "config", "-l", "app in web")))
        .isEqualTo(
            "Error: unable to parse selector \"app in web\": found 'web', expected: '(' after"
                + " 'in'");
    assertThat(failure(KoRunner.in(module, env()).run("resolve", "-f", "config", "-l", "app=x")))
        .as("with a selector, documents must be Kubernetes objects")
        .isEqualTo(
            "Error: error processing import paths in \"config/a-good.yaml\": error evaluating"
                + " selector: yaml doesn't represent a k8s object");
  }

  @ParameterizedTest
  @ValueSource(strings = {"apply", "create", "delete", "run"})
  void kubectlAbsent(String command) throws Exception {
    Path module = module();
    Path emptyBin = Files.createDirectories(tmp.resolve("empty-bin"));
    Map<String, String> env = env();
    env.put("PATH", emptyBin.toString());
    String[] args =
        command.equals("run")
            ? new String[] {"run", "./cmd/hello"}
            : command.equals("delete")
                ? new String[] {"delete", "-f", "config"}
                : new String[] {command, "-f", "config"};
    assertThat(failure(KoRunner.in(module, env).run(args)))
        .isEqualTo(
            "Error: error: kubectl is not available. kubectl must be installed to use ko "
                + command);
  }
}
