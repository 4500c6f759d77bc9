package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.testing.FakeKubeApi;
import dev.ko.testing.GoModules;
import dev.ko.testing.KoRunner;
import dev.ko.testing.RecordingKubectl;
import dev.ko.testing.TestBed;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * apply and create with the real {@code kubectl} against an in-process API endpoint; run and delete
 * with a recording kubectl, for their exact argument vectors.
 */
@Tag("integration")
class KubectlIntegrationTest {
  private static final String MODULE = ResolveIntegrationTest.MODULE;
  private static final Pattern DIGEST_REF = Pattern.compile("[^@]+@sha256:[0-9a-f]{64}");

  private final TestBed bed = TestBed.plain();

  @TempDir Path tmp;

  private Path module() throws Exception {
    Path module =
        GoModules.mainPackages(tmp.resolve("app"), MODULE, ResolveIntegrationTest.COMMANDS);
    Path config = Files.createDirectories(module.resolve("config"));
    Files.writeString(
        config.resolve("a-deployment.yaml"),
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: hello  # comment
        spec:
          template:
            spec:
              containers:
              - name: hello
                image: ko://example.com/app/cmd/hello
                args: [ko://example.com/app/cmd/queue]
        """);
    Files.writeString(
        config.resolve("b-configmap.yml"),
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: images}
        data:
          queue: "ko://example.com/app/cmd/queue"
        """);
    return module;
  }

  private Map<String, String> env(String repo, Path kubeconfig) {
    Map<String, String> env = ResolveIntegrationTest.env(bed, tmp, repo);
    env.put("KUBECONFIG", kubeconfig.toString());
    return env;
  }

  @Test
  void applySendsObjectsWithDigestReferencesThroughRealKubectl() throws Exception {
    Path module = module();
    try (FakeKubeApi api = FakeKubeApi.start()) {
      Map<String, String> env = env("it-apply", api.kubeconfig(tmp.resolve("kubeconfig")));
      KoRunner.Result r =
          KoRunner.in(module, env).run("apply", "-f", "config", "--", "--validate=false");
      assertThat(r.exit()).as(r.describe()).isZero();
      assertThat(r.stdout())
          .as("kubectl's own output comes through")
          .isEqualTo("deployment.apps/hello created\nconfigmap/images created\n");

      JsonNode deployment = api.objects().get("default/deployments/hello");
      String image = deployment.at("/spec/template/spec/containers/0/image").asText();
      String queue = deployment.at("/spec/template/spec/containers/0/args/0").asText();
      assertThat(image)
          .matches(DIGEST_REF)
          .startsWith(
              bed.registry()
                  + "/it-apply/hello-"
                  + ResolveIntegrationTest.md5(MODULE + "/cmd/hello")
                  + "@");
      assertThat(queue).matches(DIGEST_REF).contains("/it-apply/queue-");
      assertThat(api.objects().get("default/configmaps/images").at("/data/queue").asText())
          .isEqualTo(queue);
      // The digests are the images in the registry.
      String digest = image.substring(image.indexOf('@') + 1);
      JsonNode manifest = new ObjectMapper().readTree(bed.skopeoInspect(image, "--raw"));
      assertThat(manifest.at("/layers").size()).isEqualTo(4);
      assertThat(bed.skopeoInspect(image.substring(0, image.indexOf('@')) + ":latest", "--raw"))
          .as("the tag points at the applied digest")
          .isEqualTo(
              bed.skopeoInspect(image.substring(0, image.indexOf('@')) + "@" + digest, "--raw"));
    }
  }

  @Test
  void createUsesKubectlCreateAndFailsWhenKubectlFails() throws Exception {
    Path module = module();
    try (FakeKubeApi api = FakeKubeApi.start()) {
      Map<String, String> env = env("it-create", api.kubeconfig(tmp.resolve("kubeconfig")));
      KoRunner.Result r =
          KoRunner.in(module, env)
              .run("create", "-f", "config/b-configmap.yml", "--", "--validate=false");
      assertThat(r.exit()).as(r.describe()).isZero();
      assertThat(r.stdout()).isEqualTo("configmap/images created\n");
      assertThat(api.requests())
          .contains("POST /api/v1/namespaces/default/configmaps")
          .doesNotContain("GET /api/v1/namespaces/default/configmaps/images");
      assertThat(api.objects().get("default/configmaps/images").at("/data/queue").asText())
          .matches(DIGEST_REF);

      // Creating again: the API says AlreadyExists, kubectl fails, and so do we.
      KoRunner.Result again =
          KoRunner.in(module, env)
              .run("create", "-f", "config/b-configmap.yml", "--", "--validate=false");
      assertThat(again.exit()).as(again.describe()).isEqualTo(1);
      assertThat(again.stderr())
          .contains("already exists")
          .endsWith("Error: error executing 'kubectl create': exit status 1\n");
    }
  }

  @Test
  void applyPrimesKubectlThenSendsExactlyWhatResolvePrints() throws Exception {
    Path module = module();
    RecordingKubectl kubectl = RecordingKubectl.create(tmp.resolve("kubectl"), 0);
    Map<String, String> env = ResolveIntegrationTest.env(bed, tmp, "it-apply-stdin");
    env.put("PATH", kubectl.path());
    KoRunner.Result r =
        KoRunner.in(module, env)
            .run("apply", "-f", "config", "--", "--namespace=team", "-o", "name");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(kubectl.args())
        .containsExactly("apply", "-f", "-", "--namespace=team", "-o", "name");
    assertThat(kubectl.workingDirectory()).isEqualTo(module.toRealPath());

    KoRunner.Result resolved = KoRunner.in(module, env).run("resolve", "-f", "config");
    assertThat(resolved.exit()).as(resolved.describe()).isZero();
    assertThat(resolved.stdout()).contains("@sha256:");
    assertThat(kubectl.stdin()).isEqualTo("---\n".repeat(1000) + resolved.stdout());
  }

  @Test
  void kubectlFailingEarlyStopsTheBuilds() throws Exception {
    Path module = module();
    RecordingKubectl kubectl = RecordingKubectl.failingAtOnce(tmp.resolve("kubectl"), 3);
    String repo =
        "it-apply-fail-" + Long.toHexString(System.nanoTime()); // nothing may be pushed here
    Map<String, String> env = ResolveIntegrationTest.env(bed, tmp, repo);
    env.put("PATH", kubectl.path());
    KoRunner.Result r =
        KoRunner.in(module, env).run("apply", "-f", "config", "--", "--dry-run=server");
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr()).endsWith("Error: error executing 'kubectl apply': exit status 3\n");
    assertThat(kubectl.args()).containsExactly("apply", "-f", "-", "--dry-run=server");
    assertThat(bed.tags(repo + "/hello-" + ResolveIntegrationTest.md5(MODULE + "/cmd/hello")))
        .as("the builds were stopped before publishing")
        .isEmpty();
  }

  @Test
  void kubectlExitingZeroBeforeReadingTheYamlIsAFailure() throws Exception {
    Path module = module();
    RecordingKubectl kubectl = RecordingKubectl.failingAtOnce(tmp.resolve("kubectl"), 0);
    String repo = "it-apply-zero-" + Long.toHexString(System.nanoTime());
    Map<String, String> env = ResolveIntegrationTest.env(bed, tmp, repo);
    env.put("PATH", kubectl.path());
    KoRunner.Result r = KoRunner.in(module, env).run("apply", "-f", "config");
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr())
        .endsWith(
            "Error: error executing 'kubectl apply': kubectl exited (status 0) before "
                + "reading the resolved configuration, so nothing was applied\n");
    assertThat(bed.tags(repo + "/hello-" + ResolveIntegrationTest.md5(MODULE + "/cmd/hello")))
        .as("the builds were stopped before publishing")
        .isEmpty();
  }

  @Test
  void embeddedRunStopsReadingItsInputOnceKubectlExits() throws Exception {
    Path module = module();
    RecordingKubectl kubectl = RecordingKubectl.failingAtOnce(tmp.resolve("kubectl"), 0);
    Map<String, String> env = ResolveIntegrationTest.env(bed, tmp, "it-run-stdin");
    env.put("PATH", kubectl.path());
    // An input that never ends, as an embedding caller's pipe may be.
    try (PipedOutputStream neverWritten = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(neverWritten)) {
      KoRunner.Result r = KoRunner.in(module, env).run(in, "run", "./cmd/hello");
      assertThat(r.exit()).as(r.describe()).isZero();
      assertThat(kubectl.ran()).isTrue();
      // The input copier is interrupted when kubectl exits; give it a bounded time to end.
      long deadline = System.nanoTime() + 5_000_000_000L;
      for (Thread t : liveKubectlThreads()) {
        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      }
      assertThat(kubectlThreads())
          .as("no thread still copies our input to a kubectl that is gone")
          .isEmpty();
    }
  }

  private static List<String> kubectlThreads() {
    return liveKubectlThreads().stream().map(Thread::getName).toList();
  }

  private static List<Thread> liveKubectlThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("kubectl-"))
        .toList();
  }

  @Test
  void aFailedBuildStopsKubectlAndAppliesNothing() throws Exception {
    Path module = module();
    Files.writeString(module.resolve("config/c-bad.yaml"), "image: ko://example.com/app/lib\n");
    try (FakeKubeApi api = FakeKubeApi.start()) {
      String repo = "it-apply-bad-" + Long.toHexString(System.nanoTime());
      Map<String, String> env = env(repo, api.kubeconfig(tmp.resolve("kubeconfig")));
      KoRunner.Result r =
          KoRunner.in(module, env).run("apply", "-f", "config", "--", "--validate=false");
      assertThat(r.exit()).as(r.describe()).isEqualTo(1);
      assertThat(r.stdout()).isEmpty();
      assertThat(r.stderr())
          .endsWith(
              "Error: error processing import paths in \"config/c-bad.yaml\": error resolving image"
                  + " references: found strict reference but ko://example.com/app/lib is not a"
                  + " valid import path: importpath is not `package main`\n");
      assertThat(api.objects()).isEmpty();
      assertThat(bed.tags(repo + "/hello-" + ResolveIntegrationTest.md5(MODULE + "/cmd/hello")))
          .isEmpty();
    }
  }

  @Test
  void runBuildsThenRunsKubectlWithKosArguments() throws Exception {
    Path module = module();
    RecordingKubectl kubectl = RecordingKubectl.create(tmp.resolve("kubectl"), 0);
    Map<String, String> env = ResolveIntegrationTest.env(bed, tmp, "it-run");
    env.put("PATH", kubectl.path());
    KoRunner.Result r =
        KoRunner.in(module, env)
            .run(
                "run",
                "./cmd/hello",
                "--unknown-flag",
                "--",
                "--labels=foo=bar",
                "--",
                "-wait=false");
    assertThat(r.exit()).as(r.describe()).isZero();
    String pod = "hello-" + ResolveIntegrationTest.md5(MODULE + "/cmd/hello");
    List<String> args = kubectl.args();
    assertThat(args).hasSize(11);
    assertThat(args.subList(0, 3)).containsExactly("run", pod, "--image");
    assertThat(args.get(3))
        .matches(Pattern.quote(bed.registry() + "/it-run/" + pod) + "@sha256:[0-9a-f]{64}");
    assertThat(args.subList(4, 11))
        .containsExactly(
            "--attach",
            "--rm",
            "--restart=Never",
            "--log-flush-frequency=1s",
            "--labels=foo=bar",
            "--",
            "-wait=false");
    assertThat(kubectl.workingDirectory()).isEqualTo(module.toRealPath());
    assertThat(r.stderr())
        .contains("Running \"ko://" + MODULE + "/cmd/hello\"")
        .contains("$ kubectl " + String.join(" ", args));
    assertThat(bed.skopeoInspect(args.get(3), "--raw")).contains("\"layers\"");
    assertThat(bed.runImage(args.get(3), tmp.resolve("unpacked")).stdout())
        .contains("hello from hello");
  }

  @Test
  void runRejectsAFlagFirstAndNoImportPaths() throws Exception {
    Path module = module();
    RecordingKubectl kubectl = RecordingKubectl.create(tmp.resolve("kubectl"), 0);
    Map<String, String> env = ResolveIntegrationTest.env(bed, tmp, "it-run-bad");
    env.put("PATH", kubectl.path());
    // Checked before the publisher is made (which would fail on this repository).
    env.put("KO_DOCKER_REPO", "Not/A/Repo");
    KoRunner.Result flagFirst =
        KoRunner.in(module, env).run("run", "--platform=linux/amd64", "./cmd/hello");
    assertThat(flagFirst.exit()).isEqualTo(1);
    assertThat(flagFirst.stdout()).isEmpty();
    assertThat(flagFirst.stderr())
        .isEqualTo("Error: expected first arg to be positional, got \"--platform=linux/amd64\"\n");
    KoRunner.Result none = KoRunner.in(module, env).run("run", "--", "--labels=x=y");
    assertThat(none.stderr()).isEqualTo("Error: ko run: no importpaths listed\n");
    assertThat(kubectl.ran()).isFalse();
  }

  @Test
  void deletePassesEveryArgumentToKubectlDelete() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("work"));
    RecordingKubectl kubectl = RecordingKubectl.create(tmp.resolve("kubectl"), 0);
    Map<String, String> env = Map.of("PATH", kubectl.path());
    KoRunner.Result r =
        KoRunner.in(dir, env).run("delete", "-f", "config/", "--now", "-n", "ns", "--", "extra");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(kubectl.args())
        .containsExactly("delete", "-f", "config/", "--now", "-n", "ns", "--", "extra");
    assertThat(kubectl.workingDirectory()).isEqualTo(dir.toRealPath());

    RecordingKubectl failing = RecordingKubectl.create(tmp.resolve("failing"), 2);
    KoRunner.Result f = KoRunner.in(dir, Map.of("PATH", failing.path())).run("delete", "pod", "x");
    assertThat(f.exit()).isEqualTo(1);
    assertThat(failing.args()).containsExactly("delete", "pod", "x");
    assertThat(f.stderr()).isEqualTo("Error: error executing 'kubectl delete': exit status 2\n");
  }
}
