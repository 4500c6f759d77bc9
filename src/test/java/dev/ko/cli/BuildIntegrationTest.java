package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.testing.KoRunner;
import dev.ko.testing.Proc;
import dev.ko.testing.Repo;
import dev.ko.testing.TestBed;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ko build} against a real registry, real go, read back by skopeo and run after umoci
 * unpack.
 */
@Tag("integration")
class BuildIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IMPORT_PATH = "example.com/hello/cmd/hello";

  private final TestBed bed = TestBed.plain();

  @TempDir Path tmp;

  private Map<String, String> env(String repo, Path cache) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/" + repo);
    env.put("KO_DEFAULTBASEIMAGE", bed.base());
    env.put("KOCACHE", cache.toString());
    return env;
  }

  private static String md5(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  /** ko's caching builder: the same import path twice is one build, printed twice. */
  @Test
  void theSameImportPathTwiceRunsGoBuildOnce() throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    Path calls = tmp.resolve("go-calls.txt");
    Path wrapper = tmp.resolve("go-wrapper");
    Files.writeString(wrapper, "#!/bin/sh\necho \"$1\" >> '" + calls + "'\nexec go \"$@\"\n");
    Files.setPosixFilePermissions(
        wrapper, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    Map<String, String> env = env("it-twice", tmp.resolve("cache"));
    env.put("KO_GO_PATH", wrapper.toString());
    KoRunner.Result r = KoRunner.in(module, env).run("build", "./cmd/hello", "./cmd/hello");

    assertThat(r.exit()).as(r.describe()).isZero();
    List<String> lines = r.stdout().lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(1)).isEqualTo(lines.get(0));
    assertThat(Files.readAllLines(calls)).filteredOn("build"::equals).hasSize(1);
  }

  @Test
  void pushesAnImageThatSkopeoReadsAndUmociRuns() throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    KoRunner.Result r =
        KoRunner.in(module, env("it-run", tmp.resolve("cache"))).run("build", "./cmd/hello");

    assertThat(r.exit()).as(r.describe()).isZero();
    String expectedName = bed.registry() + "/it-run/hello-" + md5(IMPORT_PATH);
    assertThat(r.stdout()).matches(Pattern.quote(expectedName) + "@sha256:[0-9a-f]{64}\n");
    String ref = r.stdout().strip();

    JsonNode config = JSON.readTree(bed.skopeoInspect(ref, "--config"));
    assertThat(config.at("/config/Entrypoint").toString()).isEqualTo("[\"/ko-app/hello\"]");
    assertThat(config.at("/config/Cmd").isMissingNode()).isTrue();
    assertThat(config.at("/config/User").asText())
        .as("inherited from the base")
        .isEqualTo("65532:65532");
    List<String> env = new ArrayList<>();
    config.at("/config/Env").forEach(e -> env.add(e.asText()));
    assertThat(env)
        .contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/ko-app");
    assertThat(env.get(env.size() - 1)).isEqualTo("KO_DATA_PATH=/var/run/ko");
    assertThat(config.at("/author").asText()).isEqualTo("github.com/ko-build/ko");

    JsonNode manifest = JSON.readTree(bed.skopeoInspect(ref, "--raw"));
    assertThat(manifest.at("/mediaType").asText())
        .isEqualTo("application/vnd.oci.image.manifest.v1+json");
    assertThat(manifest.at("/annotations/org.opencontainers.image.base.name").asText())
        .isEqualTo(bed.base());
    assertThat(manifest.at("/annotations/org.opencontainers.image.base.digest").asText())
        .as("the matched linux/amd64 child of the base index")
        .isEqualTo(bed.get("TESTBED_BASE_AMD64_DIGEST"));
    assertThat(manifest.at("/layers").size()).as("two base layers + kodata + binary").isEqualTo(4);

    Proc.Result run = bed.runImage(ref, tmp.resolve("unpacked"));
    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stdout())
        .isEqualTo(
            """
            Hello from ko-jvm! (linux/amd64, uid 65532)
            kodata/greeting.txt: Served from $KO_DATA_PATH.
            kodata/sub/nested.txt: A file in a nested kodata directory.
            kodata/link.txt: Served from $KO_DATA_PATH.
            """);
  }

  @Test
  void sameDigestFromTwoCheckoutPathsAndTwoRuns() throws Exception {
    Path first = Repo.copyExample(tmp.resolve("a/example"));
    Path second = Repo.copyExample(tmp.resolve("b/deeper/checkout"));
    String d1 =
        digest(
            KoRunner.in(first, env("it-repro", tmp.resolve("cache-a")))
                .run("build", "./cmd/hello"));
    String d2 =
        digest(
            KoRunner.in(second, env("it-repro", tmp.resolve("cache-b")))
                .run("build", "./cmd/hello"));
    String d3 =
        digest(
            KoRunner.in(first, env("it-repro", tmp.resolve("cache-a")))
                .run("build", "./cmd/hello"));
    assertThat(d2).as("another checkout path, another build cache").isEqualTo(d1);
    assertThat(d3).as("building again").isEqualTo(d1);
  }

  @Test
  void rebuildAfterSourceChangeUploadsOnlyTheNewLayers() throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    Map<String, String> env = env("it-incremental", tmp.resolve("cache"));
    // A new image has a new SBOM, uploaded too; the image's own blobs are what this test is about.
    String before = digest(KoRunner.in(module, env).run("build", "--sbom=none", "./cmd/hello"));

    Path main = module.resolve("cmd/hello/main.go");
    // A change no earlier run made, so none of the new blobs can already be in the registry.
    String changed = "Hello again (" + System.nanoTime() + ") from ko-jvm!";
    Files.writeString(main, Files.readString(main).replace("Hello from ko-jvm!", changed));
    long mark = bed.logMark();
    KoRunner.Result r = KoRunner.in(module, env).run("build", "--sbom=none", "./cmd/hello");
    String after = digest(r);
    List<String> requests = bed.requestsSince(mark);

    assertThat(after).isNotEqualTo(before);
    JsonNode manifest = JSON.readTree(bed.skopeoInspect(r.stdout().strip(), "--raw"));
    Set<String> expectedUploads =
        new TreeSet<>(
            List.of(
                manifest.at("/config/digest").asText(), manifest.at("/layers/3/digest").asText()));
    Set<String> uploaded = new TreeSet<>();
    Matcher m =
        Pattern.compile("digest=(sha256(?::|%3A)[0-9a-f]{64})")
            .matcher(String.join("\n", requests));
    while (m.find()) {
      uploaded.add(m.group(1).replace("%3A", ":"));
    }
    assertThat(uploaded)
        .as("only the new config and binary layer are sent; requests: %s", requests)
        .isEqualTo(expectedUploads);
    long putBlobs =
        requests.stream()
            .filter(q -> q.startsWith("PUT ") && q.contains("/blobs/uploads/"))
            .count();
    assertThat(putBlobs).isEqualTo(2);
    for (int i = 0; i < 3; i++) {
      String unchanged = manifest.at("/layers/" + i + "/digest").asText();
      assertThat(requests)
          .noneMatch(q -> q.startsWith("PUT ") && q.contains(unchanged.substring(7)));
    }
  }

  @Test
  void pushFalsePrintsTheReferenceWithoutPushing() throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    KoRunner.Result r =
        KoRunner.in(module, env("it-nopush", tmp.resolve("cache")))
            .run("build", "--push=false", "./cmd/hello");
    assertThat(r.exit()).as(r.describe()).isZero();
    String name = bed.registry() + "/it-nopush/hello-" + md5(IMPORT_PATH);
    assertThat(r.stdout()).matches(Pattern.quote(name) + ":latest@sha256:[0-9a-f]{64}\n");
    assertThat(bed.tags("it-nopush/hello-" + md5(IMPORT_PATH))).isEmpty();
  }

  @Test
  void severalImportPathsPrintInArgumentOrderWithNamingFlags() throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    Files.createDirectories(module.resolve("cmd/second"));
    Files.writeString(
        module.resolve("cmd/second/main.go"),
        "package main\n\nfunc main() { println(\"second\") }\n");
    KoRunner.Result r =
        KoRunner.in(module, env("it-order", tmp.resolve("cache")))
            .run("build", "-B", "-t", "v1,extra", "./cmd/second", "example.com/hello/cmd/hello");
    assertThat(r.exit()).as(r.describe()).isZero();
    String[] lines = r.stdout().split("\n");
    assertThat(lines).hasSize(2);
    assertThat(lines[0]).startsWith(bed.registry() + "/it-order/second@sha256:");
    assertThat(lines[1]).startsWith(bed.registry() + "/it-order/hello@sha256:");
    assertThat(bed.tags("it-order/hello"))
        .filteredOn(t -> !t.endsWith(".sbom"))
        .containsExactlyInAnyOrder("v1", "extra");
  }

  @Test
  void basicAuthCredentialsFromDockerConfig() throws Exception {
    TestBed auth = TestBed.basicAuth();
    Path dockerConfig = Files.createDirectories(tmp.resolve("docker"));
    String token =
        java.util.Base64.getEncoder().encodeToString("user:pass".getBytes(StandardCharsets.UTF_8));
    Files.writeString(
        dockerConfig.resolve("config.json"),
        "{\"auths\":{\"" + auth.registry() + "\":{\"auth\":\"" + token + "\"}}}");
    Map<String, String> env = env("unused", tmp.resolve("cache"));
    env.put("KO_DOCKER_REPO", auth.registry() + "/it-auth");
    env.put("KO_DEFAULTBASEIMAGE", auth.base());
    env.put("DOCKER_CONFIG", dockerConfig.toString());
    KoRunner.Result r =
        KoRunner.in(Repo.copyExample(tmp.resolve("example")), env).run("build", "./cmd/hello");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(r.stderr()).doesNotContain(token).doesNotContain("user:pass");
    assertThat(auth.tags("it-auth/hello-" + md5(IMPORT_PATH))).contains("latest");
  }

  private static String digest(KoRunner.Result r) {
    assertThat(r.exit()).as(r.describe()).isZero();
    Matcher m = Pattern.compile("@(sha256:[0-9a-f]{64})$").matcher(r.stdout().strip());
    assertThat(m.find()).as(r.stdout()).isTrue();
    return m.group(1);
  }
}
