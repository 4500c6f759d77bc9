package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.concurrent.TaskGroup;
import dev.ko.log.Log;
import dev.ko.testing.TestBuildOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Matching build configs to import paths with the real {@code go list} (ko's createBuildConfigMap
 * and gobuilds tests).
 */
class BuildConfigsTest {
  @TempDir Path root;

  private final GoToolchain go = new ProcessGoToolchain("go");
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private Map<String, String> env;
  private Path ko;

  @BeforeEach
  void module() throws IOException {
    env = new HashMap<>();
    for (String k : List.of("PATH", "HOME", "GOCACHE", "GOPATH", "TMPDIR")) {
      if (System.getenv(k) != null) {
        env.put(k, System.getenv(k));
      }
    }
    // Like ko's own repository: a main package at the root and one in test/.
    write("ko/go.mod", "module example.com/ko\n\ngo 1.19\n");
    write("ko/main.go", "package main\n\nfunc main() {}\n");
    write("ko/test/main.go", "package main\n\nfunc main() {}\n");
    write("ko/pkg/lib/lib.go", "package lib\n");
    // Like ko's testdata/paths: a nested module in app/.
    write("paths/app/go.mod", "module example.com/testapp\n\ngo 1.19\n");
    write("paths/app/cmd/foo/main.go", "package main\n\nfunc main() {}\n");
    write("paths/app/cmd/bar/main.go", "package main\n\nfunc main() {}\n");
    write("paths/outside/main.go", "package main\n\nfunc main() {}\n");
    ko = root.resolve("ko");
  }

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private void write(String path, String content) throws IOException {
    Path p = root.resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }

  private static BuildConfig entry(String id, String dir, String main) {
    return entry(id, dir, main, List.of());
  }

  /** An entry as the config reader hands it over: dir and main default to ".". */
  private static BuildConfig entry(String id, String dir, String main, List<String> caps) {
    return new BuildConfig(
        id,
        dir == null ? "." : dir,
        main == null ? "." : main,
        null,
        null,
        null,
        caps,
        Map.of(
            "",
            "/src/.ko.yaml:3: builds[0]",
            "dir",
            "/src/.ko.yaml:4: builds[0].dir",
            "main",
            "/src/.ko.yaml:5: builds[0].main",
            "linux_capabilities",
            "/src/.ko.yaml:6: builds[0].linux_capabilities"),
        null);
  }

  private String resolve(Path workingDirectory, BuildConfig c) throws IOException {
    return BuildConfigs.resolve(workingDirectory, List.of(c), go, env).get(0).importPath();
  }

  @ParameterizedTest
  @CsvSource({
    "defaults,,,example.com/ko",
    "OnlyMain,,test,example.com/ko/test",
    "OnlyMainWithFile,,test/main.go,example.com/ko/test",
    "OnlyDir,test,,example.com/ko/test",
    "DirAndMain,test,main.go,example.com/ko/test",
    "DotSlash,./test,./main.go,example.com/ko/test",
  })
  void createBuildConfigMapCases(String id, String dir, String main, String expected)
      throws IOException {
    assertThat(resolve(ko, entry(id, dir, main))).isEqualTo(expected);
  }

  @Test
  void dirAndMainInANestedModule() throws IOException {
    assertThat(resolve(root.resolve("paths"), entry("foo", "./app", "./cmd/foo")))
        .isEqualTo("example.com/testapp/cmd/foo");
  }

  @Test
  void aLaterEntryForTheSameImportPathWins() throws IOException {
    List<BuildConfig> resolved =
        BuildConfigs.resolve(
            ko, List.of(entry("first", ".", "./test"), entry("second", "test", ".")), go, env);
    BuildConfigs configs = new BuildConfigs(ko, resolved);
    assertThat(configs.forImportPath("example.com/ko/test").id()).isEqualTo("second");
    assertThat(configs.all()).hasSize(1);
  }

  @Test
  void aMainThatDoesNotExist() {
    assertThatThrownBy(() -> resolve(ko, entry("x", ".", "./cmd/nope")))
        .hasMessageStartingWith(
            "/src/.ko.yaml:5: builds[0].main: \"./cmd/nope\" does not exist in dir \".\"");
  }

  @Test
  void aDirThatDoesNotExist() {
    assertThatThrownBy(() -> resolve(ko, entry("x", "./nope", ".")))
        .hasMessageStartingWith(
            "/src/.ko.yaml:4: builds[0].dir: directory \"./nope\" does not exist");
  }

  @Test
  void aDirOutsideTheModule() {
    assertThatThrownBy(() -> resolve(root.resolve("paths/app"), entry("x", "../outside", ".")))
        .hasMessageStartingWith(
            "/src/.ko.yaml:4: builds[0].dir: \"../outside\" does not contain a valid local import"
                + " path (.)")
        .hasMessageContaining("go.mod file not found");
  }

  @Test
  void aMainOutsideTheDirsModule() {
    assertThatThrownBy(() -> resolve(root.resolve("paths"), entry("x", "./app", "../outside")))
        .hasMessageStartingWith(
            "/src/.ko.yaml:5: builds[0].main: \"../outside\" in directory \"./app\" is not a valid"
                + " local import path")
        .hasMessageContaining("outside main module");
  }

  @Test
  void aMainWithoutGoFiles() throws IOException {
    Files.createDirectories(ko.resolve("empty"));
    assertThatThrownBy(() -> resolve(ko, entry("x", ".", "./empty")))
        .hasMessageStartingWith("/src/.ko.yaml:5: builds[0].main:")
        .hasMessageContaining("no Go files");
  }

  @Test
  void badCapabilitiesStopTheRunEarly() {
    assertThatThrownBy(() -> resolve(ko, entry("x", ".", "./test", List.of("net_bind_servic"))))
        .hasMessage(
            "/src/.ko.yaml:6: builds[0].linux_capabilities: linux_capabilities: unknown capability:"
                + " \"net_bind_servic\"");
  }

  @ParameterizedTest
  @CsvSource({
    "foo,./foo/bar,./bar",
    "./foo,./foo/bar/baz,./bar/baz",
    "foo,./foo,.",
    ".,./cmd/app,./cmd/app",
    ".,.,.",
    "app,./app/cmd/foo,./cmd/foo",
    "foo,example.com/app/cmd/foo,example.com/app/cmd/foo",
    "/abs/dir,github.com/x/y,github.com/x/y",
  })
  void relativePath(String baseDir, String importPath, String expected) {
    assertThat(BuildConfigs.relativePath(baseDir, importPath)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"foo,./bar", "foo,.", "foo/bar,./foo", "app,../other"})
  void relativePathOutsideTheConfigDir(String baseDir, String importPath) {
    assertThatThrownBy(() -> BuildConfigs.relativePath(baseDir, importPath))
        .hasMessage(
            "import path (\""
                + importPath
                + "\") must be a subdirectory of build config directory (\""
                + baseDir
                + "\")");
  }

  // ------------------------------------------------------------ which directory qualifies and
  // builds

  private GoBuilder builder(Path workingDirectory, List<BuildConfig> entries) throws IOException {
    BuildOptions options =
        TestBuildOptions.builder(workingDirectory, root.resolve("cache"), root.resolve("tmp"))
            .environment(env)
            .buildConfigs(BuildConfigs.resolve(workingDirectory, entries, go, env))
            .build();
    BaseImages bases =
        new BaseImages(
            ref -> {
              throw new IOException("no registry in this test");
            },
            options,
            new TaskGroup(executor),
            Log.NONE);
    return new GoBuilder(options, go, bases, Log.NONE);
  }

  @Test
  void withoutConfigsTheWorkingDirectoryQualifies() throws IOException {
    GoBuilder b = builder(ko, List.of());
    assertThat(b.qualifyImport("./test")).isEqualTo("ko://example.com/ko/test");
    assertThat(b.qualifyImport(".")).isEqualTo("ko://example.com/ko");
    assertThat(b.qualifyImport("example.com/ko/test")).isEqualTo("ko://example.com/ko/test");
    assertThat(b.qualifyImport("ko://example.com/ko/test")).isEqualTo("ko://example.com/ko/test");
    assertThatThrownBy(() -> b.qualifyImport("./does-not-exist"))
        .isInstanceOf(UnsupportedReferenceException.class);
  }

  @Test
  void aConfigsDirQualifiesLocalPathsBelowIt() throws IOException {
    Path workingDirectory = root.resolve("paths");
    GoBuilder b = builder(workingDirectory, List.of(entry("foo", "./app", "./cmd/foo")));
    assertThat(b.qualifyImport("./app/cmd/foo")).isEqualTo("ko://example.com/testapp/cmd/foo");
    b.checkSupported("ko://example.com/testapp/cmd/foo");
    assertThat(b.qualifyImport("./app/cmd/bar"))
        .as("not configured, but under the config's dir")
        .isEqualTo("ko://example.com/testapp/cmd/bar");
    b.checkSupported("ko://example.com/testapp/cmd/bar");
    b.checkSupported("ko://example.com/testapp/cmd/foo");

    GoBuilder fresh = builder(workingDirectory, List.of(entry("foo", "./app", "./cmd/foo")));
    fresh.checkSupported("ko://example.com/testapp/cmd/foo"); // go list runs in the config's dir

    GoBuilder plain = builder(workingDirectory, List.of());
    assertThatThrownBy(() -> plain.qualifyImport("./app/cmd/foo"))
        .as("no module in the working directory")
        .hasMessageContaining("go.mod file not found");
  }

  /** The real go, counting {@code go list} runs and their patterns. */
  private final class CountingGo implements GoToolchain {
    final List<String> lists = new java.util.ArrayList<>();

    @Override
    public List<GoPackage> list(Path dir, Map<String, String> env, List<String> patterns)
        throws IOException {
      lists.add(root.relativize(dir) + " " + String.join(" ", patterns));
      return go.list(dir, env, patterns);
    }

    @Override
    public void build(Path dir, Map<String, String> env, List<String> args) throws IOException {
      go.build(dir, env, args);
    }

    @Override
    public String versionM(Path binary, Map<String, String> env) throws IOException {
      return go.versionM(binary, env);
    }

    @Override
    public Map<String, String> env(Path dir, Map<String, String> env) throws IOException {
      return go.env(dir, env);
    }
  }

  @Test
  void goListRunsOncePerDirectoryAndBuildsDoNotListAgain() throws IOException {
    Path workingDirectory = root;
    CountingGo counting = new CountingGo();
    List<BuildConfig> resolved =
        BuildConfigs.resolve(
            workingDirectory,
            List.of(
                entry("foo", "./paths/app", "./cmd/foo"),
                entry("bar", "./paths/app", "./cmd/bar/main.go"),
                entry("ko", "ko", "."),
                entry("foo-again", "paths/app", "cmd/foo"),
                entry("test", "ko", "test")),
            counting,
            env);
    assertThat(resolved)
        .extracting(BuildConfig::importPath)
        .containsExactly(
            "example.com/testapp/cmd/foo",
            "example.com/testapp/cmd/bar",
            "example.com/ko",
            "example.com/testapp/cmd/foo",
            "example.com/ko/test");
    assertThat(counting.lists).containsExactly("paths/app ./cmd/foo ./cmd/bar", "ko . ./test");

    counting.lists.clear();
    BuildOptions options =
        TestBuildOptions.builder(workingDirectory, root.resolve("cache"), root.resolve("tmp"))
            .environment(env)
            .buildConfigs(resolved)
            .build();
    BaseImages bases =
        new BaseImages(
            ref -> {
              throw new IOException("no registry in this test");
            },
            options,
            new TaskGroup(executor),
            Log.NONE);
    GoBuilder b = new GoBuilder(options, counting, bases, Log.NONE);
    assertThat(b.qualifyImport("./paths/app/cmd/foo"))
        .isEqualTo("ko://example.com/testapp/cmd/foo");
    assertThat(b.qualifyImport("./ko/test")).isEqualTo("ko://example.com/ko/test");
    b.checkSupported("ko://example.com/testapp/cmd/foo");
    b.checkSupported("ko://example.com/testapp/cmd/bar");
    b.checkSupported("ko://example.com/ko");
    assertThat(counting.lists).as("what the configs listed is not listed again").isEmpty();

    // the common case: a config in the working directory itself
    counting.lists.clear();
    List<BuildConfig> inKo =
        BuildConfigs.resolve(ko, List.of(entry("test", ".", "./test")), counting, env);
    BuildOptions koOptions =
        TestBuildOptions.builder(ko, root.resolve("cache"), root.resolve("tmp"))
            .environment(env)
            .buildConfigs(inKo)
            .build();
    GoBuilder k = new GoBuilder(koOptions, counting, bases, Log.NONE);
    assertThat(k.qualifyImport("./test")).isEqualTo("ko://example.com/ko/test");
    k.checkSupported("ko://example.com/ko/test");
    assertThat(k.qualifyImport("./")).as("not configured: listed").isEqualTo("ko://example.com/ko");
    assertThat(counting.lists).containsExactly("ko ./test", "ko ./");
  }

  @Test
  void aLocalPathOfSeveralPackagesNamesWhereGoListRan() throws IOException {
    GoBuilder b = builder(ko, List.of());
    assertThatThrownBy(() -> b.qualifyImport("./..."))
        .isInstanceOf(UnsupportedReferenceException.class)
        .hasMessage(
            "qualifying local import ./...: go list in " + ko + " found 3 packages, expected 1");
  }

  @Test
  void checkSupportedRejectsNonMainPackages() throws IOException {
    GoBuilder b = builder(ko, List.of(entry("t", ".", "./test")));
    b.checkSupported("ko://example.com/ko/test");
    assertThatThrownBy(() -> b.checkSupported("ko://example.com/ko/pkg/lib"))
        .hasMessage("importpath is not `package main`");
  }
}
