package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ko.testing.JsonSchemas;
import dev.ko.testing.KoRunner;
import dev.ko.testing.Podman;
import dev.ko.testing.Proc;
import dev.ko.testing.TestBed;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry build cache on a simulated fleet: two "machines" (checkout path, HOME, KOCACHE and
 * GOCACHE of their own, all empty) share one cache repository on the real registry; a real {@code
 * go} behind a wrapper that records each go subcommand; skopeo reads what was pushed.
 */
@Tag("integration")
class BuildCacheIntegrationTest {
  private static final Pattern KEY = Pattern.compile("cache (hit|miss) ([0-9a-f]{64})");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final TestBed bed = TestBed.plain();

  @TempDir Path tmp;

  private String cacheRepo;

  @Test
  void machineBTakesMachineAsBuildFromTheCacheWithTheSameDigest() throws Exception {
    cacheRepo = bed.registry() + "/buildcache-" + System.nanoTime();
    Machine a = new Machine("a");
    Machine b = new Machine("b");

    Run first = a.build();
    assertThat(first.outcome()).as(first.r().describe()).isEqualTo("miss");
    assertThat(a.goCommands()).contains("build");

    Run second = b.build();
    assertThat(second.outcome()).as(second.r().describe()).isEqualTo("hit");
    assertThat(second.key()).isEqualTo(first.key());
    assertThat(b.goCommands()).as("machine B's go commands").doesNotContain("build");
    String digestA = digestOf(first.r().stdout());
    String digestB = digestOf(second.r().stdout());
    assertThat(digestB).isEqualTo(digestA);
    // An independent client reads B's image: its manifest bytes hash to the printed digest.
    String raw = bed.skopeoInspect(second.r().stdout().strip(), "--raw");
    assertThat("sha256:" + sha256(raw.getBytes(StandardCharsets.UTF_8))).isEqualTo(digestB);
    String config = bed.skopeoInspect(second.r().stdout().strip(), "--config");
    assertThat(config).contains("/ko-app/app");
  }

  @Test
  void aMissUploadsItsOwnLayersOnceAndMountsThemIntoTheTarget() throws Exception {
    cacheRepo = bed.registry() + "/buildcache-mount-" + System.nanoTime();
    Machine a = new Machine("mount");
    a.env.put("KO_DOCKER_REPO", bed.registry() + "/cache-mount-" + System.nanoTime());
    long mark = bed.logMark();
    Run first = a.build();
    assertThat(first.outcome()).as(first.r().describe()).isEqualTo("miss");
    String ref = first.r().stdout().strip();
    String target = ref.substring(ref.indexOf('/') + 1, ref.indexOf('@'));
    String cache = cacheRepo.substring(cacheRepo.indexOf('/') + 1);
    JsonNode layers = JSON.readTree(bed.skopeoInspect(ref, "--raw")).path("layers");
    JsonNode base =
        JSON.readTree(bed.skopeoInspect(bed.get("TESTBED_BASE_SINGLE"), "--raw")).path("layers");
    List<String> own = new ArrayList<>();
    for (int i = base.size(); i < layers.size(); i++) {
      own.add(layers.path(i).path("digest").asText());
    }
    assertThat(own).as("the kodata and binary layers").hasSize(2);
    List<String> requests =
        bed.requestsSince(mark).stream().map(r -> r.replace("%3A", ":")).toList();
    for (String digest : own) {
      // Uploaded once, into the cache repository ...
      assertThat(
              requests.stream().filter(r -> r.startsWith("PUT ") && r.contains("digest=" + digest)))
          .as("uploads of " + digest + " in " + requests)
          .hasSize(1)
          .allMatch(r -> r.startsWith("PUT /v2/" + cache + "/blobs/uploads/"));
      // ... and mounted from there into the target.
      assertThat(requests)
          .as("the mount of " + digest)
          .anyMatch(
              r ->
                  r.startsWith("POST /v2/" + target + "/blobs/uploads/")
                      && r.contains("mount=" + digest)
                      && r.contains("from=" + cache.replace("/", "%2F")));
    }
    assertThat(bed.runImage(ref, a.root.resolve("run")).stdout()).isEqualTo("hello 1\n");
  }

  @Test
  void changingAnyOneInputIsAMiss() throws Exception {
    cacheRepo = bed.registry() + "/buildcache-keys-" + System.nanoTime();
    Machine a = new Machine("a");
    Run base = a.build();
    assertThat(base.outcome()).as(base.r().describe()).isEqualTo("miss");
    assertThat(a.build().outcome()).as("the same inputs again").isEqualTo("hit");

    // A dependency's file.
    Machine dep = new Machine("dep");
    ConfigModule.write(dep.module, "greet/greet.go", GREET.replace("hello", "hullo"));
    assertMiss(dep.build(), base);

    // An ldflag.
    Machine ld = new Machine("ld");
    ld.env.put("KO_DEFAULTLDFLAGS", "-X main.version=2");
    assertMiss(ld.build(), base);

    // A kodata file.
    Machine kodata = new Machine("kodata");
    ConfigModule.write(kodata.module, "cmd/app/kodata/hello.txt", "changed\n");
    assertMiss(kodata.build(), base);

    // GOARM (go reads it whatever the architecture; the key does too, the cautious way).
    Machine goarm = new Machine("goarm");
    goarm.env.put("GOARM", "6");
    assertMiss(goarm.build(), base);

    // The base image digest: the same tag moved to another image.
    Machine other = new Machine("otherbase");
    other.env.put("KO_DEFAULTBASEIMAGE", bed.get("TESTBED_BASE_DOCKER"));
    assertMiss(other.build(), base);

    // SOURCE_DATE_EPOCH.
    Machine epoch = new Machine("epoch");
    epoch.env.put("SOURCE_DATE_EPOCH", "1700000000");
    assertMiss(epoch.build(), base);

    // The Go version, as a fake go env reports it.
    Machine version = new Machine("version");
    version.fakeGoVersion = "go1.99.0";
    version.writeWrapper();
    assertMiss(version.build(), base);
  }

  @Test
  void anIndexWithSbomsIsServedWholeFromTheCache() throws Exception {
    cacheRepo = bed.registry() + "/buildcache-index-" + System.nanoTime();
    Machine a = new Machine("ia");
    Machine b = new Machine("ib");
    for (Machine m : List.of(a, b)) {
      m.env.put("KO_DEFAULTBASEIMAGE", bed.get("TESTBED_BASE"));
    }
    String platforms = "--platform=linux/amd64,linux/arm64";
    long mark = bed.logMark();
    Run first = a.build(platforms);
    assertThat(first.outcome()).as(first.r().describe()).isEqualTo("miss");
    // Both platform images missed at once and share the kodata layer (and the base's layers, if
    // the platforms share any): each blob went into the cache repository once.
    assertEachBlobPlacedOnce(bed.requestsSince(mark), cacheRepo);
    Run second = b.build(platforms);
    assertThat(second.outcome()).as(second.r().describe()).isEqualTo("hit");
    assertThat(b.goCommands()).as("machine B's go commands").doesNotContain("build");
    String digest = digestOf(second.r().stdout());
    assertThat(digest).isEqualTo(digestOf(first.r().stdout()));

    // B's target repository has the index, both images and every SBOM, as a fresh build leaves it.
    String ref = second.r().stdout().strip();
    String repo = ref.substring(0, ref.indexOf('@'));
    String index = bed.skopeoInspect(ref, "--raw");
    assertThat("sha256:" + sha256(index.getBytes(StandardCharsets.UTF_8))).isEqualTo(digest);
    List<String> subjects = new ArrayList<>(List.of(digest));
    Matcher child = Pattern.compile("\"digest\":\\s*\"(sha256:[0-9a-f]{64})\"").matcher(index);
    while (child.find()) {
      subjects.add(child.group(1));
    }
    assertThat(subjects).hasSize(3);
    for (String s : subjects) {
      String sbomTag = repo + ":" + s.replace(':', '-') + ".sbom";
      assertThat(bed.skopeoInspect(sbomTag, "--raw")).as(sbomTag).contains("spdx");
    }
  }

  @Test
  void aHitWithProvenanceCarriesTheProvenanceOfTheBuildItReuses() throws Exception {
    cacheRepo = bed.registry() + "/buildcache-provenance-" + System.nanoTime();
    Machine a = new Machine("prova");
    Machine b = new Machine("provb");
    for (Machine m : List.of(a, b)) {
      m.env.put("KO_DEFAULTBASEIMAGE", bed.get("TESTBED_BASE"));
      // Targets of this run alone: an .att tag left by an earlier run must not pass for B's.
      m.env.put("KO_DOCKER_REPO", m.env.get("KO_DOCKER_REPO") + "-" + System.nanoTime());
    }
    String[] args = {"--platform=linux/amd64,linux/arm64", "--provenance"};
    Run first = a.build(args);
    assertThat(first.outcome()).as(first.r().describe()).isEqualTo("miss");
    Run second = b.build(args);
    assertThat(second.outcome()).as(second.r().describe()).isEqualTo("hit");
    assertThat(b.goCommands()).as("machine B's go commands").doesNotContain("build");
    String digest = digestOf(second.r().stdout());
    assertThat(digest).isEqualTo(digestOf(first.r().stdout()));

    // Every subject in B's target (the index and both images) has the provenance statement A's
    // build made, now about B's repository: same predicate, same go build times.
    String repoA = repositoryOf(first.r().stdout());
    String repoB = repositoryOf(second.r().stdout());
    String index = bed.skopeoInspect(second.r().stdout().strip(), "--raw");
    List<String> subjects = new ArrayList<>(List.of(digest));
    JSON.readTree(index).path("manifests").forEach(m -> subjects.add(m.path("digest").asText()));
    assertThat(subjects).hasSize(3);
    for (String subject : subjects) {
      JsonNode fromA = provenanceStatement(repoA, subject);
      JsonNode fromB = provenanceStatement(repoB, subject);
      assertThat(fromB.at("/subject/0/name").asText()).isEqualTo(bed.registry() + "/" + repoB);
      assertThat(fromB.at("/subject/0/digest/sha256").asText()).isEqualTo(subject.substring(7));
      assertThat(fromB.get("predicate"))
          .as("the predicate of " + subject)
          .isEqualTo(fromA.get("predicate"));
      assertThat(JsonSchemas.slsaProvenanceV1(JSON.writeValueAsBytes(fromB.get("predicate"))))
          .isEmpty();
    }

    // An entry recorded without provenance is another key: a --provenance build never takes an
    // image whose provenance it cannot give.
    Machine plain = new Machine("provplain");
    plain.env.put("KO_DEFAULTBASEIMAGE", bed.get("TESTBED_BASE"));
    Run withoutProvenance = plain.build("--platform=linux/amd64,linux/arm64");
    assertThat(withoutProvenance.outcome()).as(withoutProvenance.r().describe()).isEqualTo("miss");
    assertThat(withoutProvenance.key()).isNotEqualTo(first.key());
  }

  /** The path of the repository a printed reference names, without the registry. */
  private static String repositoryOf(String ref) {
    String r = ref.strip();
    return r.substring(r.indexOf('/') + 1, r.indexOf('@'));
  }

  /** The unsigned SLSA provenance statement about {@code subject} under its cosign .att tag. */
  private JsonNode provenanceStatement(String repo, String subject) throws Exception {
    String tag = bed.registry() + "/" + repo + ":" + subject.replace(':', '-') + ".att";
    JsonNode manifest = JSON.readTree(bed.skopeoInspect(tag, "--raw"));
    for (JsonNode layer : manifest.path("layers")) {
      if (layer
          .at("/annotations/dev.cosignproject.cosign~1predicateType")
          .asText()
          .equals("https://slsa.dev/provenance/v1")) {
        byte[] statement = bed.blob(repo, layer.path("digest").asText());
        assertThat(JsonSchemas.inTotoStatementV1(statement)).as(tag).isEmpty();
        return JSON.readTree(statement);
      }
    }
    throw new AssertionError(tag + " has no provenance layer: " + manifest);
  }

  @Test
  void aChangeOnlyOnePlatformReadsRebuildsOnlyThatPlatform() throws Exception {
    cacheRepo = bed.registry() + "/buildcache-perplatform-" + System.nanoTime();
    String platforms = "--platform=linux/amd64,linux/arm64";
    Machine a = new Machine("pa", noteFiles("arm64 v1"));
    Machine b = new Machine("pb", noteFiles("arm64 v2"));
    Machine fresh = new Machine("pfresh", noteFiles("arm64 v2"));
    Machine d = new Machine("pd", noteFiles("arm64 v2"));
    fresh.env.remove("KO_CACHE_REPO");
    for (Machine m : List.of(a, b, fresh, d)) {
      m.env.put("KO_DEFAULTBASEIMAGE", bed.get("TESTBED_BASE"));
    }
    Run first = a.build(platforms);
    assertThat(first.outcome()).as(first.r().describe()).isEqualTo("miss");
    assertThat(a.goArches())
        .as("machine A's go builds")
        .containsExactlyInAnyOrder("amd64", "arm64");

    // B changes a file only arm64 builds (note_arm64.go): amd64 comes from the cache.
    Run second = b.build(platforms, "--sbom-dir=out/sbom");
    assertThat(second.outcome()).as(second.r().describe()).isEqualTo("miss");
    assertThat(b.goBuilds()).as("machine B's go builds").hasSize(1);
    assertThat(b.goArches()).as("machine B's go builds").containsExactly("arm64");
    assertThat(second.r().stderr())
        .containsPattern("cache hit [0-9a-f]{64} for linux/amd64")
        .containsPattern("cache miss [0-9a-f]{64} for linux/arm64");
    String digest = digestOf(second.r().stdout());
    assertThat(digest)
        .as("the change reaches the image")
        .isNotEqualTo(digestOf(first.r().stdout()));

    // An uncached fresh build of the changed source gives the same index, byte for byte.
    Run uncached = fresh.build(platforms, "--sbom-dir=out/sbom");
    assertThat(uncached.r().exit()).as(uncached.r().describe()).isZero();
    assertThat(uncached.outcome()).isEqualTo("none");
    assertThat(fresh.goBuilds()).hasSize(2);
    assertThat(digestOf(uncached.r().stdout())).isEqualTo(digest);
    Map<String, String> sboms = filesUnder(b.module.resolve("out/sbom"));
    assertThat(sboms)
        .as("--sbom-dir of the reused amd64 image, the rebuilt arm64 one and the index")
        .containsKeys(
            "app-linux-amd64.spdx.json", "app-linux-arm64-v8.spdx.json", "app-index.spdx.json")
        .isEqualTo(filesUnder(fresh.module.resolve("out/sbom")));
    String indexA = bed.skopeoInspect(first.r().stdout().strip(), "--raw");
    String indexB = bed.skopeoInspect(second.r().stdout().strip(), "--raw");
    assertThat("sha256:" + sha256(indexB.getBytes(StandardCharsets.UTF_8))).isEqualTo(digest);
    assertThat(childDigest(indexB, "amd64"))
        .as("amd64, reused")
        .isEqualTo(childDigest(indexA, "amd64"));
    assertThat(childDigest(indexB, "arm64"))
        .as("arm64, rebuilt")
        .isNotEqualTo(childDigest(indexA, "arm64"));
    String ref = second.r().stdout().strip();
    String repo = ref.substring(0, ref.indexOf('@'));
    for (String s : List.of(digest, childDigest(indexB, "amd64"), childDigest(indexB, "arm64"))) {
      String sbomTag = repo + ":" + s.replace(':', '-') + ".sbom";
      assertThat(bed.skopeoInspect(sbomTag, "--raw")).as(sbomTag).contains("spdx");
    }

    // The same source on another fresh machine: all from the cache, no go build.
    Run third = d.build(platforms);
    assertThat(third.outcome()).as(third.r().describe()).isEqualTo("hit");
    assertThat(d.goCommands()).as("machine D's go commands").doesNotContain("build");
    assertThat(digestOf(third.r().stdout())).isEqualTo(digest);
  }

  /** The digest of the index's image for an architecture. */
  private static String childDigest(String index, String architecture) throws IOException {
    for (JsonNode m : JSON.readTree(index).path("manifests")) {
      if (m.path("platform").path("architecture").asText().equals(architecture)) {
        return m.path("digest").asText();
      }
    }
    throw new AssertionError("no " + architecture + " image in " + index);
  }

  /** The module, with a note that only arm64 builds compile in (a file named *_arm64.go). */
  private static Map<String, String> noteFiles(String arm64Note) {
    return Map.of(
        "go.mod",
        "module example.com/cached\n\ngo 1.19\n",
        "greet/greet.go",
        "package greet\n\nvar note = \"\"\n\nfunc Greeting() string { return \"hello\" + note }\n",
        "greet/note_arm64.go",
        "package greet\n\nfunc init() { note = \" " + arm64Note + "\" }\n",
        "cmd/app/main.go",
        MAIN,
        "cmd/app/kodata/hello.txt",
        "Hello from kodata\n");
  }

  @Test
  void cacheRepoFlagBeatsVariableBeatsKoYaml() throws Exception {
    cacheRepo = bed.registry() + "/buildcache-where-" + System.nanoTime();
    String elsewhere = bed.registry() + "/buildcache-elsewhere-" + System.nanoTime();

    // .ko.yaml's cacheRepo alone: the entry is recorded there.
    Machine a = new Machine("yaml");
    a.env.remove("KO_CACHE_REPO");
    ConfigModule.write(a.module, ".ko.yaml", "cacheRepo: " + cacheRepo + "\n");
    Run first = a.build();
    assertThat(first.outcome()).as(first.r().describe()).isEqualTo("miss");

    // --cache-repo beats KO_CACHE_REPO (an empty cache elsewhere): machine B finds A's entry.
    Machine b = new Machine("flag");
    b.env.put("KO_CACHE_REPO", elsewhere);
    Run hit = b.build("--cache-repo", cacheRepo);
    assertThat(hit.outcome()).as(hit.r().describe()).isEqualTo("hit");
    assertThat(b.goCommands()).doesNotContain("build");
    assertThat(digestOf(hit.r().stdout())).isEqualTo(digestOf(first.r().stdout()));

    // KO_CACHE_REPO beats .ko.yaml: the empty cache elsewhere is a miss.
    Machine c = new Machine("env");
    c.env.put("KO_CACHE_REPO", elsewhere);
    ConfigModule.write(c.module, ".ko.yaml", "cacheRepo: " + cacheRepo + "\n");
    assertThat(c.build().outcome()).isEqualTo("miss");

    // A value that is no repository is refused before building, naming where it came from.
    Machine bad = new Machine("bad");
    bad.env.remove("KO_CACHE_REPO");
    ConfigModule.write(bad.module, ".ko.yaml", "cacheRepo: 'Not A Repo'\n");
    Run refused = bad.build();
    assertThat(refused.r().exit()).isNotZero();
    assertThat(refused.r().stdout()).isEmpty();
    assertThat(refused.r().stderr())
        .contains("Error: " + bad.module.resolve(".ko.yaml") + ":1: cacheRepo \"Not A Repo\"");
    assertThat(bad.goCommands()).doesNotContain("build");
  }

  @Test
  void aResolveSplitAcrossThreeRunnersBuildsEachImageOnceInTotal() throws Exception {
    cacheRepo = bed.registry() + "/buildcache-fleet-" + System.nanoTime();
    String target = bed.registry() + "/fleet-" + System.nanoTime();
    List<String> services = new ArrayList<>();
    Map<String, String> files = new HashMap<>();
    files.put("go.mod", "module example.com/fleet\n\ngo 1.19\n");
    files.put("lib/lib.go", "package lib\n\nfunc Name(s string) string { return \"svc \" + s }\n");
    for (int i = 1; i <= 12; i++) {
      String svc = String.format("svc%02d", i);
      services.add(svc);
      files.put(
          "cmd/" + svc + "/main.go",
          "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/fleet/lib\"\n)\n\n"
              + "func main() { fmt.Println(lib.Name(\""
              + svc
              + "\")) }\n");
    }
    StringBuilder release = new StringBuilder();
    for (String svc : services) {
      release
          .append("---\nkind: Pod\nmetadata: {name: ")
          .append(svc)
          .append("}\nspec:\n  containers:\n  - image: ko://example.com/fleet/cmd/")
          .append(svc)
          .append("\n");
    }
    // The same import path twice: looked up once.
    release.append(
        "---\nkind: Pod\nspec:\n  containers:\n  - image: ko://example.com/fleet/cmd/svc01\n");
    files.put("config/release.yaml", release.toString());

    // Three runners, each building its share (4 of the 12) into the cache.
    Map<String, String> digests = new HashMap<>();
    List<String> compiled = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      Machine runner = new Machine("runner" + r, files);
      runner.env.put("KO_DOCKER_REPO", target);
      List<String> args = new ArrayList<>(List.of("build", "-v"));
      for (String svc : services.subList(4 * r, 4 * r + 4)) {
        args.add("./cmd/" + svc);
      }
      long mark = bed.logMark();
      KoRunner.Result built = runner.run(args.toArray(String[]::new));
      assertThat(built.exit()).as(built.describe()).isZero();
      // The four entries share the base and kodata layers in the one cache repository: each is
      // placed there once in the run. Placing one again (a mount, a finished upload) rewrites
      // the registry's link to it, and a sibling's manifest PUT reading the link then is refused
      // with DIGEST_INVALID.
      assertEachBlobPlacedOnce(bed.requestsSince(mark), cacheRepo);
      assertThat(outcomes(built.stderr(), "miss")).as(built.describe()).isEqualTo(4);
      assertThat(outcomes(built.stderr(), "hit")).as(built.describe()).isZero();
      assertThat(built.stderr()).as(built.describe()).doesNotContain("warning: build cache");
      digests.putAll(servicesAndDigests(built.stdout()));
      compiled.addAll(runner.goBuilds());
    }
    assertThat(digests).hasSize(12);
    List<String> importPaths = services.stream().map(s -> "example.com/fleet/cmd/" + s).toList();
    assertThat(compiled)
        .as("go builds of the three runners")
        .containsExactlyInAnyOrderElementsOf(importPaths);

    // The final job on a fourth machine: every image a hit, no go build, the runners' digests.
    Machine last = new Machine("resolver", files);
    last.env.put("KO_DOCKER_REPO", target);
    KoRunner.Result resolved = last.run("resolve", "-v", "-f", "config/release.yaml");
    assertThat(resolved.exit()).as(resolved.describe()).isZero();
    assertThat(resolved.stderr()).as(resolved.describe()).doesNotContain("warning: build cache");
    assertThat(outcomes(resolved.stderr(), "hit")).as(resolved.describe()).isEqualTo(12);
    assertThat(outcomes(resolved.stderr(), "miss")).as(resolved.describe()).isZero();
    assertThat(last.goCommands())
        .as("the resolver's go commands; " + resolved.describe())
        .doesNotContain("build");
    Map<String, String> resolvedDigests = servicesAndDigests(resolved.stdout());
    assertThat(resolvedDigests).isEqualTo(digests);
    assertThat(resolved.stdout()).doesNotContain("ko://");
    // skopeo reads each image the resolver names back from the target, by its digest.
    for (Matcher m =
            Pattern.compile("image: (\\S+@sha256:[0-9a-f]{64})").matcher(resolved.stdout());
        m.find(); ) {
      String raw = bed.skopeoInspect(m.group(1), "--raw");
      assertThat("sha256:" + sha256(raw.getBytes(StandardCharsets.UTF_8)))
          .isEqualTo(m.group(1).substring(m.group(1).indexOf('@') + 1));
    }
  }

  /** No blob is mounted or uploaded into {@code repository} twice among these requests. */
  private static void assertEachBlobPlacedOnce(List<String> requests, String repository) {
    String prefix = "/v2/" + repository.substring(repository.indexOf('/') + 1) + "/blobs/uploads/";
    Pattern placed = Pattern.compile("[?&](?:mount|digest)=(sha256(?::|%3A)[0-9a-f]{64})");
    Map<String, List<String>> byDigest = new HashMap<>();
    for (String r : requests) {
      String[] methodAndUri = r.split(" ", 2);
      if (methodAndUri.length < 2 || !methodAndUri[1].replace("\"", "").startsWith(prefix)) {
        continue;
      }
      boolean mount = methodAndUri[0].equals("POST") && r.contains("mount=");
      boolean upload = methodAndUri[0].equals("PUT");
      Matcher m = placed.matcher(r);
      if ((mount || upload) && m.find()) {
        byDigest.computeIfAbsent(m.group(1).replace("%3A", ":"), d -> new ArrayList<>()).add(r);
      }
    }
    assertThat(byDigest).as("blobs placed into " + repository).isNotEmpty();
    byDigest.forEach(
        (digest, placements) ->
            assertThat(placements)
                .as("placements of " + digest + " into " + repository)
                .hasSize(1));
  }

  @Test
  void aCorruptEntryIsAWarningAndABuildNeverAnImageWithMissingBlobs() throws Exception {
    cacheRepo = bed.registry() + "/buildcache-corrupt-" + System.nanoTime();
    String repo = cacheRepo.substring(cacheRepo.indexOf('/') + 1);
    Run first = new Machine("corrupt-a").build();
    assertThat(first.outcome()).as(first.r().describe()).isEqualTo("miss");
    String tag = "kojvm-" + first.key();
    String entry = bed.skopeoInspect(cacheRepo + ":" + tag, "--raw");
    JsonNode manifest = JSON.readTree(entry);
    String binaryLayer =
        manifest.path("layers").path(manifest.path("layers").size() - 1).path("digest").asText();

    // 1. The binary layer is gone from the cache repository (deleted as a registry's GC would).
    curl("-X", "DELETE", "/v2/" + repo + "/blobs/" + binaryLayer);
    assertCorruptEntryRebuilt("gone", first, "blob " + binaryLayer + " is gone");

    // 2. The entry's config is no image config: not JSON.
    ObjectNode garbage = manifest.deepCopy();
    String notJson = putBlob(repo, "not a config".getBytes(StandardCharsets.UTF_8));
    ((ObjectNode) garbage.path("config")).put("digest", notJson).put("size", 12);
    putManifest(repo, tag, garbage);
    assertCorruptEntryRebuilt("garbage", first, "cannot be used");

    // 3. The config is JSON but describes no layers: served, it would be an image that cannot run.
    ObjectNode noLayers = manifest.deepCopy();
    byte[] emptyConfig =
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
            .getBytes(StandardCharsets.UTF_8);
    ((ObjectNode) noLayers.path("config"))
        .put("digest", putBlob(repo, emptyConfig))
        .put("size", emptyConfig.length);
    putManifest(repo, tag, noLayers);
    assertCorruptEntryRebuilt("nolayers", first, "its config names 0 layers");
  }

  @Test
  void anUnreachableOrUnauthorisedCacheIsAWarningAndABuild() throws Exception {
    Run fresh = new Machine("uncached").buildWithoutCache();
    String digest = digestOf(fresh.r().stdout());

    // Nothing listens on port 1: refused at once, not retried for long.
    cacheRepo = "127.0.0.1:1/buildcache";
    Machine off = new Machine("unreachable");
    long start = System.nanoTime();
    Run refused = off.build();
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertBuiltAnyway(refused, off, digest);
    assertThat(millis).as("a refused cache costs no retry budget").isLessThan(30_000);

    // A registry that wants credentials this machine does not have.
    TestBed auth = TestBed.basicAuth();
    cacheRepo = auth.registry() + "/buildcache";
    Machine denied = new Machine("unauthorised");
    Run unauthorised = denied.build();
    assertBuiltAnyway(unauthorised, denied, digest);
    assertThat(unauthorised.r().stderr()).contains("401");
  }

  @Test
  void aHitGivesTheLayoutTarballAndSbomDirTheBytesOfAFreshBuild() throws Exception {
    cacheRepo = bed.registry() + "/buildcache-outputs-" + System.nanoTime();
    String platforms = "--platform=linux/amd64,linux/arm64";
    Machine a = new Machine("out-a");
    Machine b = new Machine("out-hit");
    Machine c = new Machine("out-fresh");
    c.env.remove("KO_CACHE_REPO");
    for (Machine m : List.of(a, b, c)) {
      m.env.put("KO_DEFAULTBASEIMAGE", bed.get("TESTBED_BASE"));
      m.env.put("KO_DOCKER_REPO", bed.registry() + "/cache-outputs");
    }
    assertThat(a.build(platforms).outcome()).isEqualTo("miss");

    Map<String, Map<String, String>> outputs = new HashMap<>();
    for (Machine m : List.of(b, c)) {
      KoRunner.Result r =
          m.run(
              "build",
              "-v",
              platforms,
              "--push=false",
              "--oci-layout-path=out/layout",
              "--tarball=out/image.tar",
              "--sbom-dir=out/sbom",
              "./cmd/app");
      assertThat(r.exit()).as(r.describe()).isZero();
      outputs.put(m == b ? "hit" : "fresh", filesUnder(m.module.resolve("out")));
      if (m == b) {
        assertThat(outcomes(r.stderr(), "hit")).as(r.describe()).isEqualTo(1);
        assertThat(b.goCommands()).as("the hit's go commands").doesNotContain("build");
      } else {
        assertThat(c.goCommands()).contains("build");
      }
    }
    Map<String, String> hit = outputs.get("hit");
    assertThat(hit.keySet())
        .contains(
            "sbom/app-linux-amd64.spdx.json",
            "sbom/app-linux-arm64-v8.spdx.json",
            "sbom/app-index.spdx.json",
            "image.tar",
            "layout/index.json");
    assertThat(hit).as("every file, by sha256").isEqualTo(outputs.get("fresh"));
    // skopeo reads both images of the hit's tarball, and the layout.
    Path out = b.module.resolve("out");
    List<String> arches = new ArrayList<>();
    for (String index : List.of("@0", "@1")) {
      Proc.Result tar =
          Proc.run(
              tmp,
              Map.of(),
              List.of(
                  "skopeo", "inspect", "docker-archive:" + out.resolve("image.tar") + ":" + index));
      assertThat(tar.exit()).as(tar.stderr()).isZero();
      arches.add(JSON.readTree(tar.stdout()).path("Architecture").asText());
    }
    assertThat(arches).containsExactlyInAnyOrder("amd64", "arm64");
    Proc.Result layout =
        Proc.run(
            tmp, Map.of(), List.of("skopeo", "inspect", "--raw", "oci:" + out.resolve("layout")));
    assertThat(layout.exit()).as(layout.stderr()).isZero();
  }

  @Test
  void aHitLoadsIntoKoLocalAsAFreshBuildDoes() throws Exception {
    assumeTrue(Podman.available(), "podman is not installed");
    cacheRepo = bed.registry() + "/buildcache-local-" + System.nanoTime();
    Run first = new Machine("local-a").build();
    assertThat(first.outcome()).as(first.r().describe()).isEqualTo("miss");
    String config =
        JSON.readTree(bed.skopeoInspect(first.r().stdout().strip(), "--raw"))
            .path("config")
            .path("digest")
            .asText();
    try (Podman podman = Podman.in(tmp.resolve("podman"))) {
      String dockerHost = podman.startService();
      Machine b = new Machine("local-hit");
      Machine c = new Machine("local-fresh");
      c.env.remove("KO_CACHE_REPO");
      List<String> refs = new ArrayList<>();
      for (Machine m : List.of(b, c)) {
        m.env.put("KO_DOCKER_REPO", "ko.local");
        m.env.put("DOCKER_HOST", dockerHost);
        Run r = m.build();
        assertThat(r.r().exit()).as(r.r().describe()).isZero();
        refs.add(r.r().stdout().strip());
      }
      assertThat(b.goCommands()).as("the hit's go commands").doesNotContain("build");
      assertThat(refs.get(0)).isEqualTo(refs.get(1));
      Proc.Result id = podman.run("image", "inspect", "--format", "{{.Id}}", refs.get(0));
      assertThat("sha256:" + id.stdout().strip()).as(id.stderr()).isEqualTo(config);
      assertThat(podman.run("run", "--rm", refs.get(0)).stdout()).isEqualTo("hello 1\n");
    }
  }

  /** Each regular file under {@code dir} (relative path) to the sha256 of its bytes. */
  private static Map<String, String> filesUnder(Path dir) throws Exception {
    Map<String, String> out = new java.util.TreeMap<>();
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        out.put(dir.relativize(p).toString(), sha256(Files.readAllBytes(p)));
      }
    }
    return out;
  }

  private void assertBuiltAnyway(Run run, Machine m, String digest) throws IOException {
    assertThat(run.r().exit()).as(run.r().describe()).isZero();
    assertThat(run.r().stderr()).as(run.r().describe()).contains("warning: build cache:");
    assertThat(m.goCommands()).contains("build");
    assertThat(digestOf(run.r().stdout())).isEqualTo(digest);
    assertThat(bed.runImage(run.r().stdout().strip(), m.root.resolve("run")).stdout())
        .isEqualTo("hello 1\n");
  }

  /**
   * A machine that finds the corrupt entry: a warning, a go build, the digest a fresh build gives,
   * and an image whose every blob skopeo and umoci read back and whose binary runs.
   */
  private void assertCorruptEntryRebuilt(String name, Run first, String why) throws IOException {
    Machine m = new Machine("corrupt-" + name);
    Run run = m.build();
    assertThat(run.outcome()).as(run.r().describe()).isEqualTo("miss");
    assertThat(run.key()).isEqualTo(first.key());
    assertThat(run.r().stderr())
        .as(run.r().describe())
        .contains("warning: build cache: entry " + cacheRepo + ":kojvm-" + first.key())
        .contains(why);
    assertThat(m.goCommands()).contains("build");
    assertThat(digestOf(run.r().stdout())).isEqualTo(digestOf(first.r().stdout()));
    assertThat(bed.runImage(run.r().stdout().strip(), m.root.resolve("run")).stdout())
        .isEqualTo("hello 1\n");
    // The miss recorded the entry again: the next machine hits.
    Machine next = new Machine("corrupt-" + name + "-next");
    Run hit = next.build();
    assertThat(hit.outcome()).as(hit.r().describe()).isEqualTo("hit");
    assertThat(digestOf(hit.r().stdout())).isEqualTo(digestOf(first.r().stdout()));
  }

  /** Uploads a blob to the test registry with curl; its digest. */
  private String putBlob(String repo, byte[] bytes) throws Exception {
    String digest = "sha256:" + sha256(bytes);
    Path file = tmp.resolve("blob-" + digest.substring(7));
    Files.write(file, bytes);
    String location =
        curl("-X", "POST", "-D", "-", "-o", "/dev/null", "/v2/" + repo + "/blobs/uploads/")
            .lines()
            .filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("location:"))
            .findFirst()
            .orElseThrow()
            .substring(9)
            .strip();
    String url = location + (location.contains("?") ? "&" : "?") + "digest=" + digest;
    curlUrl(
        "-X",
        "PUT",
        "--data-binary",
        "@" + file,
        "-H",
        "Content-Type: application/octet-stream",
        url);
    return digest;
  }

  private void putManifest(String repo, String tag, JsonNode manifest) throws Exception {
    Path file = tmp.resolve("manifest-" + System.nanoTime() + ".json");
    Files.write(file, JSON.writeValueAsBytes(manifest));
    curl(
        "-X",
        "PUT",
        "-H",
        "Content-Type: " + manifest.path("mediaType").asText(),
        "--data-binary",
        "@" + file,
        "/v2/" + repo + "/manifests/" + tag);
  }

  private String curl(String... argsAndPath) throws IOException {
    String[] args = argsAndPath.clone();
    args[args.length - 1] = "http://" + bed.registry() + args[args.length - 1];
    return curlUrl(args);
  }

  private String curlUrl(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sSf"));
    cmd.addAll(List.of(args));
    Proc.Result r = Proc.run(tmp, Map.of(), cmd);
    if (r.exit() != 0) {
      throw new IOException(String.join(" ", cmd) + ": " + r.stderr());
    }
    return r.stdout();
  }

  private static int outcomes(String stderr, String outcome) {
    Matcher m = KEY.matcher(stderr);
    int n = 0;
    while (m.find()) {
      if (m.group(1).equals(outcome)) {
        n++;
      }
    }
    return n;
  }

  /** svcNN to the digest of each reference in the text (ko's naming: svcNN-md5@digest). */
  private static Map<String, String> servicesAndDigests(String text) {
    Map<String, String> out = new HashMap<>();
    Matcher m = Pattern.compile("/(svc\\d\\d)-[0-9a-f]{32}@(sha256:[0-9a-f]{64})").matcher(text);
    while (m.find()) {
      String previous = out.put(m.group(1), m.group(2));
      assertThat(previous == null || previous.equals(m.group(2))).as(text).isTrue();
    }
    return out;
  }

  private static void assertMiss(Run changed, Run base) {
    assertThat(changed.outcome()).as(changed.r().describe()).isEqualTo("miss");
    assertThat(changed.key()).isNotEqualTo(base.key());
  }

  private static String digestOf(String ref) {
    return ref.strip().substring(ref.strip().indexOf('@') + 1);
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private record Run(KoRunner.Result r, String outcome, String key) {}

  private static final String GREET =
      """
      package greet

      func Greeting() string { return "hello" }
      """;

  private static final String MAIN =
      """
      package main

      import (
        "fmt"

        "example.com/cached/greet"
      )

      var version = "1"

      func main() { fmt.Println(greet.Greeting(), version) }
      """;

  /** A checkout of the same commit, with its own HOME, KOCACHE and GOCACHE. */
  private final class Machine {
    final Path root;
    final Path module;
    final Path goLog;
    final Map<String, String> env = new HashMap<>();
    String fakeGoVersion = "";

    Machine(String name) throws IOException {
      this(
          name,
          Map.of(
              "go.mod",
              "module example.com/cached\n\ngo 1.19\n",
              "greet/greet.go",
              GREET,
              "cmd/app/main.go",
              MAIN,
              "cmd/app/kodata/hello.txt",
              "Hello from kodata\n"));
    }

    /** A machine whose checkout holds these files (relative path to content). */
    Machine(String name, Map<String, String> files) throws IOException {
      root = tmp.resolve("machine-" + name);
      module = root.resolve("checkout/src/cached");
      for (Map.Entry<String, String> f : files.entrySet()) {
        ConfigModule.write(module, f.getKey(), f.getValue());
      }
      goLog = root.resolve("go.log");
      for (String d : List.of("home", "kocache", "gocache")) {
        Files.createDirectories(root.resolve(d));
      }
      env.put("HOME", root.resolve("home").toString());
      env.put("KOCACHE", root.resolve("kocache").toString());
      env.put("GOCACHE", root.resolve("gocache").toString());
      env.put("KO_GO_PATH", root.resolve("go").toString());
      env.put("KO_DOCKER_REPO", bed.registry() + "/cache-" + name);
      env.put("KO_DEFAULTBASEIMAGE", bed.get("TESTBED_BASE_SINGLE"));
      env.put("KO_CACHE_REPO", cacheRepo);
      env.put("PATH", System.getenv("PATH"));
      writeWrapper();
    }

    void writeWrapper() throws IOException {
      Path go = root.resolve("go");
      String fake =
          fakeGoVersion.isEmpty()
              ? ""
              : "if [ \"$1\" = env ]; then go \"$@\" | sed 's/\"GOVERSION\":"
                  + " \"[^\"]*\"/\"GOVERSION\": \""
                  + fakeGoVersion
                  + "\"/'; exit $?; fi\n";
      Files.writeString(
          go,
          "#!/bin/sh\necho \"$*\" >> "
              + goLog
              + "\n"
              + "if [ \"$1\" = build ]; then echo \"$GOARCH\" >> "
              + goLog.resolveSibling("goarch.log")
              + "; fi\n"
              + fake
              + "exec go \"$@\"\n");
      Files.setPosixFilePermissions(go, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    Run build(String... flags) throws IOException {
      List<String> args = new ArrayList<>(List.of("build", "-v"));
      args.addAll(List.of(flags));
      args.add("./cmd/app");
      KoRunner.Result r = run(args.toArray(String[]::new));
      Matcher m = KEY.matcher(r.stderr());
      return m.find() ? new Run(r, m.group(1), m.group(2)) : new Run(r, "none", null);
    }

    /** The same build with no cache repository anywhere. */
    Run buildWithoutCache() throws IOException {
      env.remove("KO_CACHE_REPO");
      Run r = build();
      assertThat(r.r().exit()).as(r.r().describe()).isZero();
      assertThat(r.outcome()).isEqualTo("none");
      return r;
    }

    KoRunner.Result run(String... args) {
      return KoRunner.in(module, env).run(args);
    }

    /** The go subcommand of each go run, in order. */
    List<String> goCommands() throws IOException {
      List<String> out = new ArrayList<>();
      for (String line : goLines()) {
        out.add(line.split(" ", 2)[0]);
      }
      return out;
    }

    /** The import path of each {@code go build} (its last argument), in order. */
    List<String> goBuilds() throws IOException {
      List<String> out = new ArrayList<>();
      for (String line : goLines()) {
        if (line.startsWith("build ")) {
          out.add(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return out;
    }

    /** The GOARCH of each {@code go build}, in order. */
    List<String> goArches() throws IOException {
      Path log = goLog.resolveSibling("goarch.log");
      return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    private List<String> goLines() throws IOException {
      return Files.exists(goLog) ? Files.readAllLines(goLog) : List.of();
    }
  }
}
