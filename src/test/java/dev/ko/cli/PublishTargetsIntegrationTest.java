package dev.ko.cli;

import static dev.ko.cli.AuthIntegrationTest.IMPORT_PATH;
import static dev.ko.cli.AuthIntegrationTest.md5;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.testing.KoRunner;
import dev.ko.testing.Podman;
import dev.ko.testing.Proc;
import dev.ko.testing.Repo;
import dev.ko.testing.TestBed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where images go besides a registry, and how tags and references come out: several tags, tag-only
 * references, an OCI layout, a docker-save tarball, the list of references, all together with a
 * push; each result read back by an independent tool (skopeo, podman) and run.
 */
@Tag("integration")
class PublishTargetsIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HELLO_AMD64 = "Hello from ko-jvm! (linux/amd64, uid 65532)\n";

  private final TestBed bed = TestBed.plain();

  @TempDir Path tmp;

  private Map<String, String> env(String repo) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/" + repo);
    env.put("KO_DEFAULTBASEIMAGE", bed.base());
    env.put("KOCACHE", tmp.resolve("cache").toString());
    env.put("DOCKER_CONFIG", tmp.resolve("no-docker-config").toString());
    return env;
  }

  private Path module() {
    Path m = tmp.resolve("example");
    if (!Files.exists(m)) {
      Repo.copyExample(m);
    }
    return m;
  }

  private KoRunner.Result ko(Map<String, String> env, String... args) {
    List<String> all = new ArrayList<>(List.of("build", "./cmd/hello"));
    all.addAll(List.of(args));
    KoRunner.Result r = KoRunner.in(module(), env).run(all.toArray(String[]::new));
    assertThat(r.exit()).as(r.describe()).isZero();
    return r;
  }

  private static String digestOf(String ref) {
    Matcher m = Pattern.compile("@(sha256:[0-9a-f]{64})$").matcher(ref);
    assertThat(m.find()).as(ref).isTrue();
    return m.group(1);
  }

  private String manifestDigest(String repo, String tag) throws Exception {
    String raw = bed.skopeoInspect(bed.registry() + "/" + repo + ":" + tag, "--raw");
    return dev.ko.oci.Digest.of(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
  }

  /** The RepoTags of each entry of a docker-save archive's manifest.json. */
  private String repoTags(Path tar) throws Exception {
    Proc.Result p =
        Proc.run(tmp, Map.of(), List.of("tar", "-xOf", tar.toString(), "manifest.json"));
    assertThat(p.exit()).as(p.stderr()).isZero();
    List<JsonNode> tags = new ArrayList<>();
    JSON.readTree(p.stdout()).forEach(e -> tags.add(e.path("RepoTags")));
    return tags.toString();
  }

  @Test
  void severalTagsPointAtOneDigestAndAnExistingManifestIsNotPushedAgain() throws Exception {
    // A namespace of this run's own: the test bed outlives one execution (cold, then the server).
    String namespace = "pt-tags-" + Long.toHexString(System.nanoTime());
    Map<String, String> env = env(namespace);
    String name = bed.registry() + "/" + namespace + "/hello-" + md5(IMPORT_PATH);
    String repo = namespace + "/hello-" + md5(IMPORT_PATH);

    KoRunner.Result r = ko(env, "-t", "v1", "-t", "v2,v1", "--tags", "stable");
    String ref = r.stdout().strip();
    assertThat(ref)
        .as("2+ tags: a digest reference")
        .matches(Pattern.quote(name) + "@sha256:[0-9a-f]{64}");
    assertThat(r.stderr())
        .contains("Publishing " + name + ":v1")
        .contains("Tagging " + name + ":v2")
        .contains("Tagging " + name + ":stable")
        .doesNotContain("Tagging " + name + ":v1");
    assertThat(bed.tags(repo))
        .filteredOn(t -> !t.endsWith(".sbom"))
        .containsExactlyInAnyOrder("v1", "v2", "stable");
    for (String t : List.of("v1", "v2", "stable")) {
      assertThat(manifestDigest(repo, t)).as(t).isEqualTo(digestOf(ref));
    }

    long mark = bed.logMark();
    KoRunner.Result again = ko(env, "-t", "v1", "-t", "v2,v1", "--tags", "stable");
    assertThat(again.stdout()).isEqualTo(r.stdout());
    assertThat(again.stderr()).contains("existing manifest");
    assertThat(bed.requestsSince(mark))
        .as("nothing is uploaded or put again")
        .noneMatch(q -> q.startsWith("PUT ") || q.startsWith("POST ") || q.startsWith("PATCH "));

    String release = ko(env, "-t", "v1.2.3").stdout().strip();
    assertThat(release)
        .as("one tag that is not latest: a release reference")
        .isEqualTo(name + ":v1.2.3@" + digestOf(ref));
    String tagOnly = ko(env, "-t", "rc1", "--tag-only").stdout().strip();
    assertThat(tagOnly).isEqualTo(name + ":rc1");
    assertThat(manifestDigest(repo, "rc1")).isEqualTo(digestOf(ref));
    Proc.Result run = bed.runImage(tagOnly, tmp.resolve("run"));
    assertThat(run.stdout()).as(run.stderr()).startsWith(HELLO_AMD64);
  }

  @Test
  void layoutTarballAndImageRefsWithAPushOfAMultiPlatformImage() throws Exception {
    Map<String, String> env = env("pt-all");
    String name = bed.registry() + "/pt-all/hello-" + md5(IMPORT_PATH);
    KoRunner.Result r =
        ko(
            env,
            "--platform=linux/amd64,linux/arm64",
            "-t",
            "v1",
            "-t",
            "v2",
            "--oci-layout-path",
            "out/layout",
            "--tarball",
            "out/images.tar",
            "--image-refs",
            "out/refs.txt");
    String ref = r.stdout().strip();
    assertThat(ref)
        .as("the registry publishes last, so its reference wins")
        .matches(Pattern.quote(name) + "@sha256:[0-9a-f]{64}");
    String indexDigest = digestOf(ref);
    JsonNode index = JSON.readTree(bed.skopeoInspect(ref, "--raw"));
    List<String> children = new ArrayList<>();
    index.path("manifests").forEach(m -> children.add(m.path("digest").asText()));
    assertThat(children).hasSize(2);

    Path out = module().resolve("out");
    assertThat(Files.readAllLines(out.resolve("refs.txt")))
        .as("the index and each child")
        .containsExactly(
            name + "@" + indexDigest, name + "@" + children.get(0), name + "@" + children.get(1));

    // Every file written is 0644 (less what the umask takes away), as ko writes them: not the 0600
    // of a temporary file.
    Path probe = Files.write(tmp.resolve("umask-probe"), new byte[0]);
    Set<PosixFilePermission> expected =
        EnumSet.copyOf(PosixFilePermissions.fromString("rw-r--r--"));
    expected.retainAll(Files.getPosixFilePermissions(probe));
    List<Path> written;
    try (Stream<Path> files = Files.walk(out)) {
      written = files.filter(Files::isRegularFile).collect(Collectors.toList());
    }
    assertThat(written).hasSizeGreaterThan(8);
    for (Path f : written) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
          .as(out.relativize(f).toString())
          .isEqualTo(PosixFilePermissions.toString(expected));
    }

    // The layout: a valid OCI layout whose one entry is our index, read by skopeo.
    JsonNode layoutIndex = JSON.readTree(out.resolve("layout/index.json").toFile());
    assertThat(layoutIndex.at("/manifests/0/digest").asText()).isEqualTo(indexDigest);
    assertThat(Files.readString(out.resolve("layout/oci-layout")))
        .contains("\"imageLayoutVersion\":\"1.0.0\"");
    Proc.Result inspect =
        Proc.run(
            tmp, Map.of(), List.of("skopeo", "inspect", "--raw", "oci:" + out.resolve("layout")));
    assertThat(inspect.exit()).as(inspect.stderr()).isZero();
    assertThat(
            dev.ko.oci.Digest.of(inspect.stdout().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString())
        .isEqualTo(indexDigest);
    Proc.Result arm =
        Proc.run(
            tmp,
            Map.of(),
            List.of(
                "skopeo",
                "--override-arch",
                "arm64",
                "--override-variant",
                "v8",
                "inspect",
                "oci:" + out.resolve("layout")));
    assertThat(arm.exit()).as(arm.stderr()).isZero();
    assertThat(JSON.readTree(arm.stdout()).path("Architecture").asText()).isEqualTo("arm64");

    // The tarball: every platform, read by skopeo, loaded and run by podman.
    Path tar = out.resolve("images.tar");
    for (String[] t :
        List.of(
            new String[] {"v1", "amd64"},
            new String[] {"v2-linux-amd64", "amd64"},
            new String[] {"v1-linux-arm64-v8", "arm64"})) {
      Proc.Result p =
          Proc.run(
              tmp,
              Map.of(),
              List.of("skopeo", "inspect", "docker-archive:" + tar + ":" + name + ":" + t[0]));
      assertThat(p.exit()).as(p.stderr()).isZero();
      assertThat(JSON.readTree(p.stdout()).path("Architecture").asText()).as(t[0]).isEqualTo(t[1]);
    }
    assumeTrue(Podman.available(), "podman is not installed");
    Podman podman = Podman.in(tmp.resolve("podman"));
    Proc.Result load = podman.run("load", "-i", tar.toString());
    assertThat(load.exit()).as(load.stderr()).isZero();
    assertThat(load.stdout())
        .contains("Loaded image: " + name + ":v1\n")
        .contains(name + ":v2-linux-arm64-v8");
    Proc.Result run = podman.run("run", "--rm", name + ":v2");
    assertThat(run.stdout()).as(run.stderr()).startsWith(HELLO_AMD64);
    Proc.Result runArm = podman.run("run", "--rm", name + ":v1-linux-arm64-v8");
    assertThat(runArm.stdout())
        .as(runArm.stderr())
        .startsWith("Hello from ko-jvm! (linux/arm64, uid 65532)\n");
  }

  @Test
  void layoutAloneWithoutPushIsAppendedToAndNamesTheLayoutPath() throws Exception {
    Map<String, String> env = env("unused");
    env.remove("KO_DOCKER_REPO");
    Path layout = tmp.resolve("layout");
    String first = ko(env, "--push=false", "--oci-layout-path", layout.toString()).stdout().strip();
    assertThat(first).matches(Pattern.quote(layout.toString()) + "@sha256:[0-9a-f]{64}");
    Proc.Result inspect = Proc.run(tmp, Map.of(), List.of("skopeo", "inspect", "oci:" + layout));
    assertThat(inspect.exit()).as(inspect.stderr()).isZero();
    assertThat(JSON.readTree(inspect.stdout()).path("Digest").asText()).isEqualTo(digestOf(first));

    String second =
        ko(env, "--push=false", "--oci-layout-path", layout.toString(), "--platform=linux/arm64")
            .stdout()
            .strip();
    String again = ko(env, "--push=false", "--oci-layout-path", layout.toString()).stdout().strip();
    assertThat(again).isEqualTo(first);
    JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
    List<String> listed = new ArrayList<>();
    index.path("manifests").forEach(m -> listed.add(m.path("digest").asText()));
    assertThat(listed)
        .as("appended, each artifact once")
        .containsExactly(digestOf(first), digestOf(second));
    // Every blob the second image names is in the layout with the right digest.
    JsonNode manifest =
        JSON.readTree(layout.resolve("blobs/sha256/" + digestOf(second).substring(7)).toFile());
    List<String> blobs = new ArrayList<>(List.of(manifest.at("/config/digest").asText()));
    manifest.path("layers").forEach(l -> blobs.add(l.path("digest").asText()));
    for (String b : blobs) {
      byte[] bytes = Files.readAllBytes(layout.resolve("blobs/sha256/" + b.substring(7)));
      assertThat(dev.ko.oci.Digest.of(bytes).toString()).isEqualTo(b);
    }
    assertThat(bed.tags("hello-" + md5(IMPORT_PATH))).as("nothing pushed").isEmpty();
  }

  @Test
  void tarballOfOneImageWithoutPushIsWhatDockerSaveWrites() throws Exception {
    Map<String, String> env = env("pt-tar");
    String name = bed.registry() + "/pt-tar/hello-" + md5(IMPORT_PATH);
    Path tar = tmp.resolve("hello.tar");
    KoRunner.Result r =
        ko(
            env,
            "--push=false",
            "--tarball",
            tar.toString(),
            "-t",
            "v3",
            "--image-refs",
            tmp.resolve("refs").toString());
    String ref = r.stdout().strip();
    assertThat(ref)
        .as("registry rules: one release tag")
        .matches(Pattern.quote(name + ":v3@") + "sha256:[0-9a-f]{64}");
    assertThat(r.stderr()).contains("Saving " + tar).contains("Saved " + tar);
    assertThat(Files.readString(tmp.resolve("refs"))).isEqualTo(ref + "\n");
    Proc.Result p = Proc.run(tmp, Map.of(), List.of("skopeo", "inspect", "docker-archive:" + tar));
    assertThat(p.exit()).as(p.stderr()).isZero();
    assertThat(repoTags(tar)).isEqualTo("[[\"" + name + ":v3\"]]");
    assertThat(bed.tags("pt-tar/hello-" + md5(IMPORT_PATH))).as("--push=false").isEmpty();
  }

  @Test
  void koLocalLoadsIntoADockerEngineApi() throws Exception {
    assumeTrue(Podman.available(), "podman is not installed");
    try (Podman podman = Podman.in(tmp.resolve("podman"))) {
      String dockerHost = podman.startService();
      Map<String, String> env = env("unused");
      env.put("KO_DOCKER_REPO", "ko.local");
      env.put("DOCKER_HOST", dockerHost);
      KoRunner.Result r = ko(env, "--platform=linux/arm64,linux/amd64", "-t", "v1", "-t", "dev");
      String ref = r.stdout().strip();
      String name = "ko.local/hello-" + md5(IMPORT_PATH);
      assertThat(ref).matches(Pattern.quote(name) + ":[0-9a-f]{64}");
      assertThat(r.stderr())
          .contains("Loading " + ref)
          .contains("Loaded " + ref)
          .contains("Adding tag v1")
          .contains("Added tag dev");
      Proc.Result images = podman.run("images", "--format", "{{.Repository}}:{{.Tag}}");
      assertThat(images.stdout().lines().toList()).contains(ref, name + ":v1", name + ":dev");
      Proc.Result run = podman.run("run", "--rm", name + ":dev");
      assertThat(run.stdout()).as("linux/amd64 of the index, as ko picks").startsWith(HELLO_AMD64);
      Proc.Result arch = podman.run("image", "inspect", "--format", "{{.Architecture}}", ref);
      assertThat(arch.stdout().strip()).isEqualTo("amd64");

      // --local with a repository: the names live under KO_DOCKER_REPO, and the base is not pushed.
      env.put("KO_DOCKER_REPO", bed.registry() + "/pt-local");
      String local = ko(env, "--local", "--push=false").stdout().strip();
      assertThat(local).startsWith(bed.registry() + "/pt-local/hello-" + md5(IMPORT_PATH) + ":");
      assertThat(podman.run("run", "--rm", local).stdout()).startsWith(HELLO_AMD64);
      assertThat(bed.tags("pt-local/hello-" + md5(IMPORT_PATH))).isEmpty();
    }
  }

  @Test
  void kindLocalRunsKindsCommandsOnEveryNode() throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path record = Files.createDirectories(tmp.resolve("record"));
    Path docker = bin.resolve("docker");
    Files.writeString(
        docker,
        """
        #!/bin/sh
        # Records every call and answers like docker with a two-node kind cluster plus its load balancer.
        printf '%s\\n' "$*" >> "$RECORD/calls"
        case "$1" in
          ps)
            case "$*" in
              *io.x-k8s.kind.cluster=demo*)
                printf 'demo-control-plane\\tcontrol-plane\\ndemo-worker\\tworker\\ndemo-external-load-balancer\\texternal-load-balancer\\n' ;;
            esac ;;
          exec)
            case "$*" in
              *"images import"*) node=$4; cat > "$RECORD/$node.tar" ;;
            esac ;;
        esac
        """);
    Files.setPosixFilePermissions(
        docker, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, String> env = env("unused");
    env.put("KO_DOCKER_REPO", "kind.local");
    env.put("KIND_CLUSTER_NAME", "demo");
    env.put("PATH", bin + ":" + System.getenv("PATH"));
    env.put("RECORD", record.toString());

    KoRunner.Result r = ko(env, "--platform=linux/amd64,linux/arm64", "-t", "v1", "--push=false");
    String ref = r.stdout().strip();
    String name = "kind.local/hello-" + md5(IMPORT_PATH);
    assertThat(ref).matches(Pattern.quote(name) + ":[0-9a-f]{64}");
    assertThat(Files.readAllLines(record.resolve("calls")))
        .containsExactly(
            "ps -a --filter label=io.x-k8s.kind.cluster=demo --format {{.Names}}\t{{.Label"
                + " \"io.x-k8s.kind.role\"}}",
            "exec --privileged -i demo-control-plane ctr --namespace=k8s.io images import"
                + " --all-platforms -",
            "exec --privileged -i demo-worker ctr --namespace=k8s.io images import --all-platforms"
                + " -",
            "exec --privileged demo-control-plane ctr --namespace=k8s.io images tag --force "
                + ref
                + " "
                + name
                + ":v1",
            "exec --privileged demo-worker ctr --namespace=k8s.io images tag --force "
                + ref
                + " "
                + name
                + ":v1");
    for (String node : List.of("demo-control-plane", "demo-worker")) {
      Proc.Result p =
          Proc.run(
              tmp,
              Map.of(),
              List.of("skopeo", "inspect", "docker-archive:" + record.resolve(node + ".tar")));
      assertThat(p.exit()).as(p.stderr()).isZero();
      JsonNode image = JSON.readTree(p.stdout());
      assertThat(image.path("Architecture").asText()).isEqualTo("amd64");
      assertThat(repoTags(record.resolve(node + ".tar"))).isEqualTo("[[\"" + ref + "\"]]");
    }

    env.put("KIND_CLUSTER_NAME", "missing");
    KoRunner.Result none = KoRunner.in(module(), env).run("build", "./cmd/hello");
    assertThat(none.exit()).isEqualTo(1);
    assertThat(none.stdout()).isEmpty();
    assertThat(none.stderr())
        .contains("Error: ")
        .contains("no nodes found for cluster \"missing\"");
  }
}
