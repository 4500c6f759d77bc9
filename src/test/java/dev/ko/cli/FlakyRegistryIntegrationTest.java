package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.testing.FaultProxy;
import dev.ko.testing.KoRunner;
import dev.ko.testing.Proc;
import dev.ko.testing.Repo;
import dev.ko.testing.TestBed;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds through {@link FaultProxy} in front of the real registry, failing a share of all requests
 * (ping, token-less pulls, HEADs, mounts, uploads, manifest PUTs): every build must succeed within
 * the default retry budget and every image it pushed must verify with skopeo, read straight from
 * the registry. Each build pushes to a repository of its own with a cache of its own, so each pulls
 * the base, mounts its layers and uploads its own. The figures ({@code FIGURE} lines on stderr)
 * compare with the same builds through the proxy with its faults off.
 */
@Tag("integration")
class FlakyRegistryIntegrationTest {
  private final TestBed bed = TestBed.plain();
  private final String run = Long.toHexString(System.nanoTime());

  @TempDir Path tmp;

  private record Outcome(int attempted, int succeeded, Duration took, List<String> failures) {}

  private Outcome builds(FaultProxy proxy, String label, int n, String platforms) throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example-" + label));
    String base = bed.base().replace(bed.registry(), proxy.host());
    List<String> failures = new ArrayList<>();
    int ok = 0;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      Map<String, String> env = new HashMap<>();
      env.put("KO_DOCKER_REPO", proxy.host() + "/flaky-" + run + "-" + label + "-" + i);
      env.put("KO_DEFAULTBASEIMAGE", base);
      env.put("KOCACHE", tmp.resolve("cache-" + label + "-" + i).toString());
      KoRunner.Result r =
          KoRunner.in(module, env).run("build", "--platform=" + platforms, "./cmd/hello");
      if (r.exit() == 0) {
        verify(r.stdout().strip().replace(proxy.host(), bed.registry()), platforms.contains(","));
        ok++;
      } else {
        failures.add(r.stderr());
      }
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    return new Outcome(n, ok, took, failures);
  }

  /** The manifest's bytes hash to the digest pushed, and skopeo copies the whole image. */
  private void verify(String ref, boolean index) throws Exception {
    assertThat(ref).matches("[^\n]+@sha256:[0-9a-f]{64}");
    String raw = bed.skopeoInspect(ref, "--raw");
    String digest = ref.substring(ref.indexOf('@') + 1);
    assertThat(
            "sha256:"
                + HexFormat.of()
                    .formatHex(
                        MessageDigest.getInstance("SHA-256")
                            .digest(raw.getBytes(StandardCharsets.UTF_8))))
        .as("manifest of %s", ref)
        .isEqualTo(digest);
    List<String> copy = new ArrayList<>(List.of("skopeo", "copy", "--src-tls-verify=false"));
    if (index) {
      copy.add("--all");
    }
    Path dir = tmp.resolve("oci-" + digest.substring(7, 19));
    copy.addAll(List.of("docker://" + ref, "oci:" + dir + ":img"));
    Proc.Result r = Proc.run(Repo.root(), Map.of(), copy);
    assertThat(r.exit()).as("skopeo copy %s: %s", ref, r.stderr()).isZero();
  }

  private void flaky(double rate, long seed, String label, int n, String platforms)
      throws Exception {
    try (FaultProxy proxy = FaultProxy.start(bed.registry(), rate, seed)) {
      proxy.faulty(false);
      Outcome clean = builds(proxy, label + "-clean", 2, platforms);
      int cleanRequests = proxy.requests();
      proxy.faulty(true);
      Outcome faulty = builds(proxy, label, n, platforms);
      System.err.printf(
          Locale.ROOT,
          "FIGURE %s: %d%% faults, %s: %d/%d builds succeeded in %.1fs (%.2fs each);"
              + " clean %.2fs each; %d requests, %d failed %s%n",
          label,
          Math.round(rate * 100),
          platforms,
          faulty.succeeded(),
          faulty.attempted(),
          faulty.took().toMillis() / 1000.0,
          faulty.took().toMillis() / 1000.0 / n,
          clean.took().toMillis() / 1000.0 / clean.attempted(),
          proxy.requests() - cleanRequests,
          proxy.faultCount(),
          proxy.faults());
      assertThat(clean.failures()).isEmpty();
      assertThat(faulty.failures()).as("failed builds' stderr").isEmpty();
      assertThat(proxy.faultCount()).as("faults were injected").isGreaterThan(n);
    }
  }

  @Test
  void atTwentyPercentFaultsEveryBuildSucceedsAndVerifies() throws Exception {
    flaky(0.2, 20, "p20", 12, "linux/amd64");
  }

  @Test
  void atFortyPercentFaultsEveryBuildSucceedsAndVerifies() throws Exception {
    flaky(0.4, 40, "p40", 10, "linux/amd64");
  }

  @Test
  void twoPlatformsAtTwentyPercentFaultsEveryBuildSucceedsAndVerifies() throws Exception {
    flaky(0.2, 22, "two20", 8, "linux/amd64,linux/arm64");
  }

  @Test
  void aRegistryThatNeverAnswersIsAnErrorNamingItWithinTheTimeout() throws Exception {
    try (ServerSocket silent =
        new ServerSocket(0, 50, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
      // Accepted and held open, never read from nor answered.
      List<Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    held.add(silent.accept());
                  }
                } catch (IOException e) {
                  // closed
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      String host = "127.0.0.1:" + silent.getLocalPort();
      Map<String, String> env = new HashMap<>();
      env.put("KO_DOCKER_REPO", host + "/silent");
      env.put("KO_DEFAULTBASEIMAGE", host + "/base:latest");
      env.put("KOCACHE", tmp.resolve("cache-silent").toString());
      env.put("KO_REGISTRY_TIMEOUT", "3s");
      env.put("KO_RETRY_BUDGET", "3s");
      long start = System.nanoTime();
      KoRunner.Result r =
          KoRunner.in(Repo.copyExample(tmp.resolve("example-silent")), env)
              .run("build", "./cmd/hello");
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      System.err.printf(
          Locale.ROOT,
          "FIGURE silent registry, 3s timeout: error after %.1fs%n",
          took.toMillis() / 1000.0);
      assertThat(r.exit()).as(r.describe()).isEqualTo(1);
      assertThat(r.stdout()).isEmpty();
      assertThat(r.stderr())
          .as(r.describe())
          .contains("Error: ")
          .contains("GET http://" + host + "/v2/")
          .contains("no answer for 3s");
      assertThat(took).isLessThan(Duration.ofSeconds(15));
      assertThat(held).as("the registry was reached").isNotEmpty();
    }
  }

  @Test
  void aRetryBudgetThatIsNotADurationIsRefused() {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/never");
    env.put("KO_DEFAULTBASEIMAGE", bed.base());
    env.put("KOCACHE", tmp.resolve("cache-bad").toString());
    env.put("KO_RETRY_BUDGET", "soon");
    KoRunner.Result r =
        KoRunner.in(Repo.copyExample(tmp.resolve("example-bad")), env).run("build", "./cmd/hello");
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr())
        .contains("KO_RETRY_BUDGET=\"soon\": want a duration such as 30s, 500ms or 1m30s");
  }
}
