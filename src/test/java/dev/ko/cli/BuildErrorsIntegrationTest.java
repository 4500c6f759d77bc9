package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.testing.KoRunner;
import dev.ko.testing.Repo;
import dev.ko.testing.TestBed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to {@code ko build}: one {@code Error:} line naming the value, exit 1, nothing on
 * stdout, and no tag pushed.
 */
@Tag("integration")
class BuildErrorsIntegrationTest {
  private final TestBed bed = TestBed.plain();

  @TempDir Path tmp;

  private Path module() throws Exception {
    Path m = Repo.copyExample(tmp.resolve("example"));
    Files.createDirectories(m.resolve("lib"));
    Files.writeString(m.resolve("lib/lib.go"), "package lib\n\nconst Answer = 42\n");
    return m;
  }

  private Map<String, String> env(String repo) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/" + repo);
    env.put("KO_DEFAULTBASEIMAGE", bed.base());
    env.put("KOCACHE", tmp.resolve("cache").toString());
    env.put("DOCKER_CONFIG", tmp.resolve("no-docker-config").toString());
    return env;
  }

  /** Asserts ko's failure shape and returns the error line. */
  static String failure(KoRunner.Result r) {
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.stdout()).as("nothing on stdout").isEmpty();
    List<String> errors =
        Arrays.stream(r.stderr().split("\n")).filter(l -> l.startsWith("Error:")).toList();
    assertThat(errors).as(r.stderr()).hasSize(1);
    assertThat(r.stderr().strip()).as("the error is the last line").endsWith(errors.get(0));
    return errors.get(0);
  }

  @Test
  void nonMainPackage() throws Exception {
    String e = failure(KoRunner.in(module(), env("err-nonmain")).run("build", "./lib"));
    assertThat(e).contains("\"./lib\"").contains("importpath is not `package main`");
    assertThat(bed.tags("err-nonmain/lib-" + md5("example.com/hello/lib"))).isEmpty();
  }

  @Test
  void pathThatDoesNotExist() throws Exception {
    String e = failure(KoRunner.in(module(), env("err-missing")).run("build", "./does-not-exist"));
    assertThat(e).contains("\"./does-not-exist\"").contains("directory not found");
  }

  @Test
  void importPathOutsideTheModule() throws Exception {
    String e =
        failure(
            KoRunner.in(module(), env("err-outside"))
                .run("build", "github.com/google/go-github/cmd/x"));
    assertThat(e).contains("github.com/google/go-github/cmd/x").contains("is not supported");
  }

  @Test
  void koDockerRepoUnset() throws Exception {
    Map<String, String> env = env("unused");
    env.remove("KO_DOCKER_REPO");
    String e = failure(KoRunner.in(module(), env).run("build", "./cmd/hello"));
    assertThat(e).isEqualTo("Error: KO_DOCKER_REPO environment variable is unset");
  }

  @Test
  void koDockerRepoUnparsable() throws Exception {
    Map<String, String> env = env("unused");
    env.put("KO_DOCKER_REPO", "Not A/Repository");
    String e = failure(KoRunner.in(module(), env).run("build", "./cmd/hello"));
    assertThat(e).startsWith("Error: failed to parse \"Not A/Repository\" as repository");
  }

  @Test
  void unreachableRegistry() throws Exception {
    Map<String, String> env = env("unused");
    env.put("KO_DOCKER_REPO", "127.0.0.1:1/nowhere");
    String e = failure(KoRunner.in(module(), env).run("build", "./cmd/hello"));
    assertThat(e).contains("127.0.0.1:1").contains("connection refused");
  }

  @Test
  void baseImageThatDoesNotExist() throws Exception {
    Map<String, String> env = env("err-nobase");
    String missing = bed.registry() + "/distroless/does-not-exist:latest";
    env.put("KO_DEFAULTBASEIMAGE", missing);
    String e = failure(KoRunner.in(module(), env).run("build", "./cmd/hello"));
    assertThat(e).contains(missing).containsAnyOf("MANIFEST_UNKNOWN", "NAME_UNKNOWN");
    assertThat(bed.tags("err-nobase/hello-" + md5("example.com/hello/cmd/hello"))).isEmpty();
  }

  @Test
  void registryAnswering401() throws Exception {
    TestBed auth = TestBed.basicAuth();
    Map<String, String> env = env("unused");
    env.put("KO_DOCKER_REPO", auth.registry() + "/err-unauthorized");
    String e = failure(KoRunner.in(module(), env).run("build", "./cmd/hello"));
    assertThat(e)
        .contains(auth.registry())
        .contains("UNAUTHORIZED")
        .contains("no credentials found");
    assertThat(auth.tags("err-unauthorized/hello-" + md5("example.com/hello/cmd/hello"))).isEmpty();
  }

  static String md5(String s) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("MD5")
                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }
}
