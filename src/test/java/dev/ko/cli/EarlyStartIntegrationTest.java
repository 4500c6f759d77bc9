package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.build.EarlyGo;
import dev.ko.config.EarlyStart;
import dev.ko.config.Env;
import dev.ko.testing.GoModules;
import dev.ko.testing.TestBed;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cold path's early go commands with the real go and registry: used when they are the build's
 * own commands, giving the image a build without them gives; ignored (and stopped) when not.
 */
@Tag("integration")
class EarlyStartIntegrationTest {
  private final TestBed bed = TestBed.plain();

  @TempDir Path tmp;

  private record Run(int exit, String stdout, String stderr) {}

  private Map<String, String> env(String cache) {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("KO_DOCKER_REPO", bed.registry() + "/early");
    env.put("KO_DEFAULTBASEIMAGE", bed.base());
    env.put("KOCACHE", tmp.resolve(cache).toString());
    env.put("DOCKER_CONFIG", tmp.resolve("no-docker-config").toString());
    env.put("SOURCE_DATE_EPOCH", "1700000000");
    return env;
  }

  /** As Main runs a command line: the plan from the raw arguments, started before parsing. */
  private static Run run(Path module, Map<String, String> env, boolean early, String... args) {
    Env e = new Env(env);
    EarlyGo started =
        early ? EarlyStart.plan(args, e, module).map(EarlyGo::start).orElseThrow() : EarlyGo.NONE;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit;
    try (started;
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream r = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      exit =
          Cli.run(args, e, module, InputStream.nullInputStream(), o, r, false, started, Warm.NONE);
    }
    return new Run(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void anEarlyBuildIsUsedAndGivesTheSameImage() {
    Path module = GoModules.mainPackages(tmp.resolve("src"), "example.com/early", List.of("hello"));
    Run early = run(module, env("cache-early"), true, "build", "-v", "./cmd/hello");
    assertThat(early.exit()).as(early.stderr()).isZero();
    assertThat(early.stderr()).contains("for linux/amd64 done (started early)");
    Run plain = run(module, env("cache-plain"), false, "build", "-v", "./cmd/hello");
    assertThat(plain.exit()).as(plain.stderr()).isZero();
    assertThat(plain.stderr()).doesNotContain("started early");
    assertThat(early.stdout()).isEqualTo(plain.stdout()).contains("@sha256:");
  }

  @Test
  void anEarlyBuildTheCommandDoesNotNeedIsNotUsed() {
    Path module = GoModules.mainPackages(tmp.resolve("src"), "example.com/early", List.of("hello"));
    Map<String, String> env = env("cache");
    // Planned for a plain build of linux/amd64; the build then runs for linux/arm64 only.
    EarlyGo started =
        EarlyStart.plan(new String[] {"build", "./cmd/hello"}, new Env(env), module)
            .map(EarlyGo::start)
            .orElseThrow();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit;
    try (started;
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream r = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      exit =
          Cli.run(
              new String[] {"build", "-v", "--platform=linux/arm64", "./cmd/hello"},
              new Env(env),
              module,
              InputStream.nullInputStream(),
              o,
              r,
              false,
              started,
              Warm.NONE);
    }
    String stderr = err.toString(StandardCharsets.UTF_8);
    assertThat(exit).as(stderr).isZero();
    assertThat(stderr).contains("for linux/arm64 done").doesNotContain("started early");
  }
}
