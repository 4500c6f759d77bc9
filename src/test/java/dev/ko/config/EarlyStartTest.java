package dev.ko.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.build.EarlyGo;
import dev.ko.oci.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which command lines start go before they are parsed: the common case, and nothing doubtful. */
class EarlyStartTest {
  @TempDir Path wd;

  private Optional<EarlyGo.Request> plan(Map<String, String> vars, String... args) {
    Map<String, String> env =
        new HashMap<>(Map.of("HOME", wd.toString(), "KO_DOCKER_REPO", "r.example/repo"));
    env.putAll(vars);
    return EarlyStart.plan(args, new Env(env), wd);
  }

  @Test
  void aPlainBuildStartsGoListAndGoBuildForItsPaths() {
    EarlyGo.Request r =
        plan(
                Map.of(),
                "-v",
                "build",
                "./cmd/a",
                "ko://example.com/m/cmd/b",
                "-t",
                "v1",
                "--push=false",
                "-B")
            .orElseThrow();
    assertThat(r.patterns()).containsExactly("./cmd/a", "example.com/m/cmd/b");
    assertThat(r.directory()).isEqualTo(wd);
    assertThat(r.platform()).isEqualTo(Platform.LINUX_AMD64);
    assertThat(r.goCommand()).isEqualTo("go");
    assertThat(plan(Map.of(), "publish").orElseThrow().patterns()).containsExactly(".");
    assertThat(
            plan(Map.of("GOOS", "linux", "GOARCH", "arm64", "KO_GO_PATH", "/opt/go"), "build", ".")
                .orElseThrow())
        .satisfies(
            x -> {
              assertThat(x.platform().architecture()).isEqualTo("arm64");
              assertThat(x.goCommand()).isEqualTo("/opt/go");
            });
  }

  @Test
  void flagsThatChangeTheGoCommandOrAreUnknownPlanNothing() {
    for (String[] args :
        List.of(
            new String[] {"build", "--platform=linux/arm64", "."},
            new String[] {"build", "--ldflags", "-s", "."},
            new String[] {"build", "--disable-optimizations", "."},
            new String[] {"build", "--debug", "."},
            new String[] {"build", "--no-such-flag", "."},
            new String[] {"build", "-Bt", "v1", "."},
            new String[] {"build", "-t", "", "."}, // refused before building: no early build
            new String[] {"build", "-t=.hidden", "."},
            new String[] {"build", "--tags", "v1,-x", "."},
            new String[] {"resolve", "-f", "config/"},
            new String[] {"version"},
            new String[] {"build", "-j", "1", "./a", "./b"},
            new String[] {"build", "--help"})) {
      assertThat(plan(Map.of(), args)).as(String.join(" ", args)).isEmpty();
    }
  }

  @Test
  void configThatCanChangeTheBuildPlansNothing() throws IOException {
    for (String variable :
        List.of(
            "KO_CONFIG_PATH",
            "KO_DEFAULTPLATFORMS",
            "KO_DEFAULTENV",
            "KO_DEFAULTFLAGS",
            "KO_DEFAULTLDFLAGS")) {
      assertThat(plan(Map.of(variable, "x"), "build", ".")).as(variable).isEmpty();
    }
    assertThat(plan(Map.of("GOFLAGS", "-toolexec=x"), "build", ".")).isEmpty();
    assertThat(plan(Map.of("KO_DOCKER_REPO", ""), "build", "."))
        .as("fails before building")
        .isEmpty();
    assertThat(plan(Map.of("KO_DOCKER_REPO", ""), "build", "--push=false", ".")).isPresent();
    assertThat(plan(Map.of("KO_DOCKER_REPO", "r.example//x"), "build", "."))
        .as("a KO_DOCKER_REPO that does not parse fails before building")
        .isEmpty();

    Files.writeString(wd.resolve(".ko.yaml"), "defaultBaseImage: r.example/base\n");
    assertThat(plan(Map.of(), "build", ".")).as("only a base image").isPresent();
    Files.writeString(wd.resolve(".ko.yaml"), "builds:\n- id: a\n  ldflags: [-s]\n");
    assertThat(plan(Map.of(), "build", ".")).isEmpty();
  }
}
