package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.testing.GoModules;
import dev.ko.testing.KoRunner;
import dev.ko.testing.TestBed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor rule at work: {@code ko resolve} of 20 images completes on a pool sized by {@code
 * -j}, even {@code -j 1}, and a separate ko process stays within tens of threads however many
 * images, platforms and layers there are (it peaked at 248 on the unbounded pool).
 */
@Tag("integration")
class ThreadBoundIntegrationTest {
  private static final String MODULE = "example.com/twenty";
  private static final int IMAGES = 20;
  private final TestBed bed = TestBed.plain();

  @TempDir Path tmp;

  private Path module() throws IOException {
    List<String> names = new ArrayList<>();
    StringBuilder yaml = new StringBuilder();
    for (int i = 1; i <= IMAGES; i++) {
      String name = "app" + i;
      names.add(name);
      yaml.append("---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: ")
          .append(name)
          .append("\nspec:\n  containers:\n  - image: ko://")
          .append(MODULE)
          .append("/cmd/")
          .append(name)
          .append('\n');
    }
    Path module = GoModules.mainPackages(tmp.resolve("src"), MODULE, names);
    Files.writeString(module.resolve("config.yaml"), yaml);
    return module;
  }

  private Map<String, String> env(String repo) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/" + repo);
    env.put("KO_DEFAULTBASEIMAGE", bed.base());
    env.put("KOCACHE", tmp.resolve("cache").toString());
    env.put("DOCKER_CONFIG", tmp.resolve("no-docker-config").toString());
    return env;
  }

  @Test
  void resolveWithOneJobCompletes() throws IOException {
    Path module = module();
    KoRunner.Result r =
        KoRunner.in(module, env("threads-j1")).run("resolve", "-j", "1", "-f", "config.yaml");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(r.stdout().split("image: ", -1)).as("every reference replaced").hasSize(IMAGES + 1);
    assertThat(r.stdout()).doesNotContain("ko://");
  }

  @Test
  void aResolveOfTwentyImagesPeaksAtTensOfThreads() throws Exception {
    Path module = module();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of("resolve", "-j", "2", "-f", "config.yaml"));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(module.toFile());
    pb.environment().putAll(env("threads-j2"));
    pb.redirectOutput(tmp.resolve("out.yaml").toFile());
    pb.redirectError(tmp.resolve("err.txt").toFile());
    Process p = pb.start();
    int peak = 0;
    Path tasks = Path.of("/proc", Long.toString(p.pid()), "task");
    while (!p.waitFor(5, TimeUnit.MILLISECONDS)) {
      try (Stream<Path> threads = Files.list(tasks)) {
        peak = Math.max(peak, (int) threads.count());
      } catch (IOException e) {
        // the process ended between the check and the listing
      }
    }
    String err = Files.readString(tmp.resolve("err.txt"));
    assertThat(p.exitValue()).as(err).isZero();
    assertThat(Files.readString(tmp.resolve("out.yaml"))).doesNotContain("ko://");
    System.out.println("peak threads of ko resolve -j 2 of " + IMAGES + " images: " + peak);
    assertThat(peak).as("peak JVM threads").isPositive().isLessThanOrEqualTo(40);
  }
}
