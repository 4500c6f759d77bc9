package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.testing.KoRunner;
import dev.ko.testing.Proc;
import dev.ko.testing.TestBed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default base is known from the configuration alone, so its fetch starts before {@code go
 * list} matches the build configs: a {@code go} wrapper holds the first {@code go list} until the
 * registry has answered the base's manifest request (at most 10 s) and records whether it did.
 */
@Tag("integration")
class BasePrefetchIntegrationTest {
  private final TestBed bed = TestBed.plain();

  @TempDir Path tmp;

  @Test
  void theDefaultBaseIsFetchedWhileGoListMatchesTheBuildConfigs() throws Exception {
    // A base of its own, so that no other test's pulls can be mistaken for this run's.
    String repo = "prefetch-" + System.nanoTime() + "/static";
    Proc.Result copy =
        Proc.run(
            tmp,
            Map.of(),
            List.of(
                "skopeo",
                "copy",
                "--quiet",
                "--src-tls-verify=false",
                "--dest-tls-verify=false",
                "docker://" + bed.get("TESTBED_BASE_SINGLE"),
                "docker://" + bed.registry() + "/" + repo + ":1"));
    assertThat(copy.exit()).as(copy.stderr()).isZero();

    Path module =
        ConfigModule.create(
            tmp.resolve("cfgapp"), "builds:\n- id: app\n  main: ./cmd/app\n", false);
    Path seen = tmp.resolve("base-seen-before-go-list");
    Path go = tmp.resolve("go-wrapper");
    Files.writeString(
        go,
        """
        #!/bin/sh
        if [ "$1" = list ] && [ ! -e "$SEEN.checked" ]; then
          touch "$SEEN.checked"
          i=0
          while [ $i -lt 100 ]; do
            if tail -c +"$LOG_FROM" "$REGISTRY_LOG" | grep -q "uri=/v2/$BASE_REPO/manifests/1 "; then
              touch "$SEEN"
              break
            fi
            sleep 0.1
            i=$((i+1))
          done
        fi
        exec go "$@"
        """);
    Files.setPosixFilePermissions(go, PosixFilePermissions.fromString("rwxr-xr-x"));

    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/it-prefetch");
    env.put("KO_DEFAULTBASEIMAGE", bed.registry() + "/" + repo + ":1");
    env.put("KOCACHE", tmp.resolve("cache").toString());
    env.put("KO_GO_PATH", go.toString());
    env.put("SEEN", seen.toString());
    env.put("BASE_REPO", repo);
    env.put("REGISTRY_LOG", bed.log().toString());
    env.put("LOG_FROM", Long.toString(bed.logMark() + 1)); // skopeo's own requests are before this
    KoRunner.Result r = KoRunner.in(module, env).run("build", "./cmd/app");

    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(Files.exists(tmp.resolve("base-seen-before-go-list.checked")))
        .as("the wrapper ran go list")
        .isTrue();
    assertThat(Files.exists(seen))
        .as("the base manifest was fetched while the first go list waited")
        .isTrue();
  }
}
