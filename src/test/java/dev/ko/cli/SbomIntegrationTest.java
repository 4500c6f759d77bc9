package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.testing.KoRunner;
import dev.ko.testing.Proc;
import dev.ko.testing.Repo;
import dev.ko.testing.SpdxValidator;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SBOMs of a two-platform build of a module with a dependency, pushed to the real registry where
 * cosign looks for them, fetched back with skopeo and curl, and checked by the SPDX validator.
 */
@Tag("integration")
class SbomIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IMPORT_PATH = "example.com/app/cmd/app";
  private static final String TWO_PLATFORMS = "--platform=linux/amd64,linux/arm64";

  private final TestBed bed = TestBed.plain();

  /**
   * Repositories of this run, so that tag lists are not mixed with an earlier run's on a shared
   * registry.
   */
  private final String run = Long.toHexString(System.nanoTime());

  @TempDir Path tmp;

  /**
   * {@code app} (module example.com/app, main package ./cmd/app) requiring example.com/dep through
   * a local replace.
   */
  private static Path module(Path root) throws IOException {
    Files.createDirectories(root.resolve("dep"));
    Files.writeString(root.resolve("dep/go.mod"), "module example.com/dep\n\ngo 1.19\n");
    Files.writeString(
        root.resolve("dep/dep.go"),
        """
        package dep

        // Greeting comes from the dependency.
        func Greeting() string { return "Hello from example.com/dep" }
        """);
    Path app = root.resolve("app");
    Files.createDirectories(app.resolve("cmd/app"));
    Files.writeString(
        app.resolve("go.mod"),
        """
        module example.com/app

        go 1.19

        require example.com/dep v0.0.0

        replace example.com/dep => ../dep
        """);
    Files.writeString(
        app.resolve("cmd/app/main.go"),
        """
        package main

        import (
        \t"fmt"

        \t"example.com/dep"
        )

        func main() { fmt.Println(dep.Greeting()) }
        """);
    return app;
  }

  private Map<String, String> env(String repo, Path cache) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/" + repo + "-" + run);
    env.put("KO_DEFAULTBASEIMAGE", bed.base());
    env.put("KOCACHE", cache.toString());
    env.put("GOPROXY", "off");
    return env;
  }

  private String repository(String repo) throws Exception {
    return repo + "-" + run + "/app-" + md5(IMPORT_PATH);
  }

  @Test
  void twoPlatformBuildPushesValidSbomsForTheIndexAndEachChild() throws Exception {
    Path app = module(tmp.resolve("src"));
    KoRunner.Result r =
        KoRunner.in(app, env("it-sbom", tmp.resolve("cache")))
            .run("build", TWO_PLATFORMS, "./cmd/app");
    assertThat(r.exit()).as(r.describe()).isZero();
    String ref = r.stdout().strip();
    String repo = repository("it-sbom");
    JsonNode index = JSON.readTree(bed.skopeoInspect(ref, "--raw"));
    String indexDigest = ref.substring(ref.indexOf('@') + 1);
    List<String> children = new ArrayList<>();
    index.at("/manifests").forEach(m -> children.add(m.at("/digest").asText()));
    assertThat(children).hasSize(2);

    List<String> expectedTags = new ArrayList<>(List.of("latest", sbomTag(indexDigest)));
    children.forEach(c -> expectedTags.add(sbomTag(c)));
    assertThat(bed.tags(repo)).containsExactlyInAnyOrderElementsOf(expectedTags);
    for (String digest : List.of(indexDigest, children.get(0), children.get(1))) {
      assertThat(r.stderr())
          .contains("Published SBOM " + bed.registry() + "/" + repo + ":" + sbomTag(digest) + "\n");
    }

    // The index SBOM: a variant of each child, descended from the base index.
    JsonNode indexSbom = JSON.readTree(fetchSbom(repo, indexDigest));
    assertThat(indexSbom.at("/spdxVersion").asText()).isEqualTo("SPDX-2.3");
    assertThat(indexSbom.at("/name").asText()).isEqualTo("sbom-" + indexDigest);
    assertThat(indexSbom.at("/packages/1/name").asText())
        .isEqualTo(bed.registry() + "/distroless/static@" + bed.get("TESTBED_BASE_INDEX_DIGEST"));
    List<String> variants = new ArrayList<>();
    indexSbom.at("/packages").forEach(p -> variants.add(p.at("/versionInfo").asText()));
    assertThat(variants).contains("linux/amd64", "linux/arm64/v8");
    assertThat(indexSbom.at("/relationships").toString())
        .contains("VARIANT_OF")
        .contains(children.get(0).replace(':', '-'))
        .contains(children.get(1).replace(':', '-'));

    // Each child's SBOM: the image contains the main module, which depends on the replaced module.
    Map<String, String> childBase =
        Map.of(
            children.get(0),
            bed.get("TESTBED_BASE_AMD64_DIGEST"),
            children.get(1),
            bed.get("TESTBED_BASE_ARM64_DIGEST"));
    for (String child : children) {
      byte[] bytes = fetchSbom(repo, child);
      JsonNode sbom = JSON.readTree(bytes);
      assertThat(sbom.at("/spdxVersion").asText()).isEqualTo("SPDX-2.3");
      assertThat(sbom.at("/creationInfo/creators/0").asText()).startsWith("Tool: ko ");
      assertThat(sbom.at("/documentDescribes/0").asText())
          .isEqualTo("SPDXRef-Package-" + child.replace(':', '-'));
      Map<String, JsonNode> byName = new HashMap<>();
      sbom.at("/packages").forEach(p -> byName.put(p.at("/name").asText(), p));
      assertThat(byName)
          .containsKeys(
              "example.com/app",
              "example.com/dep",
              child,
              bed.registry() + "/distroless/static@" + childBase.get(child));
      assertThat(byName.get("example.com/dep").at("/versionInfo").asText()).isEqualTo("v0.0.0");
      assertThat(byName.get("example.com/dep").at("/externalRefs/0/referenceLocator").asText())
          .isEqualTo("pkg:golang/example.com/dep@v0.0.0?type=module");
      assertThat(new String(bytes, StandardCharsets.UTF_8))
          .as("the build's temp path is not in the SBOM")
          .doesNotContain(tmp.toString());
      Path file = tmp.resolve("fetched-" + child.substring(7) + ".spdx.json");
      Files.write(file, bytes);
      assertThat(SpdxValidator.problems(file)).as("SPDX Verify of %s", child).isEmpty();
    }
    Path indexFile = tmp.resolve("fetched-index.spdx.json");
    Files.write(indexFile, fetchSbom(repo, indexDigest));
    assertThat(SpdxValidator.problems(indexFile)).as("SPDX Verify of the index SBOM").isEmpty();

    // The program with its dependency runs.
    Proc.Result run = bed.runImage(ref, tmp.resolve("unpacked"));
    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stdout()).isEqualTo("Hello from example.com/dep\n");
  }

  @Test
  void sameInputsGiveByteIdenticalSbomsAndSbomDirWritesKosFileNames() throws Exception {
    Path first = module(tmp.resolve("a/src"));
    Path second = module(tmp.resolve("b/somewhere/else"));
    KoRunner.Result r1 =
        KoRunner.in(first, env("it-sbom-repro", tmp.resolve("cache-a")))
            .run("build", TWO_PLATFORMS, "--sbom-dir=out/sboms", "./cmd/app");
    assertThat(r1.exit()).as(r1.describe()).isZero();
    KoRunner.Result r2 =
        KoRunner.in(second, env("it-sbom-repro", tmp.resolve("cache-b")))
            .run(
                "build",
                TWO_PLATFORMS,
                "--sbom-dir",
                tmp.resolve("abs-sboms").toString(),
                "./cmd/app");
    assertThat(r2.exit()).as(r2.describe()).isZero();
    assertThat(r2.stdout()).as("the same index").isEqualTo(r1.stdout());

    Path dir1 = first.resolve("out/sboms");
    Path dir2 = tmp.resolve("abs-sboms");
    List<String> names =
        List.of("app-linux-amd64.spdx.json", "app-linux-arm64-v8.spdx.json", "app-index.spdx.json");
    try (var files = Files.list(dir1)) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .containsExactlyInAnyOrderElementsOf(names);
    }
    for (String name : names) {
      assertThat(r1.stderr()).contains("Writing SBOM to out/sboms/" + name + "\n");
      assertThat(r2.stderr()).contains("Writing SBOM to " + dir2.resolve(name) + "\n");
      assertThat(Files.readAllBytes(dir2.resolve(name)))
          .as(name + " from another checkout and cache")
          .isEqualTo(Files.readAllBytes(dir1.resolve(name)));
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir1.resolve(name))))
          .isEqualTo("rw-r--r--");
    }

    // The files are exactly the pushed SBOMs.
    String ref = r1.stdout().strip();
    String repo = repository("it-sbom-repro");
    assertThat(fetchSbom(repo, ref.substring(ref.indexOf('@') + 1)))
        .isEqualTo(Files.readAllBytes(dir1.resolve("app-index.spdx.json")));
    JsonNode index = JSON.readTree(bed.skopeoInspect(ref, "--raw"));
    for (JsonNode m : index.at("/manifests")) {
      String file =
          "app-"
              + m.at("/platform/os").asText()
              + "-"
              + m.at("/platform/architecture").asText()
              + (m.at("/platform/variant").asText().isEmpty()
                  ? ""
                  : "-" + m.at("/platform/variant").asText())
              + ".spdx.json";
      assertThat(fetchSbom(repo, m.at("/digest").asText()))
          .isEqualTo(Files.readAllBytes(dir1.resolve(file)));
    }
  }

  @Test
  void aGopathModeProgramIsNamedByItsImportPathAndItsSbomIsValid() throws Exception {
    Path gopath = tmp.resolve("gopath");
    Path dir = Files.createDirectories(gopath.resolve("src/example.com/gp/hello"));
    Files.writeString(
        dir.resolve("main.go"),
        "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hi\") }\n");
    Map<String, String> env = env("it-sbom-gopath", tmp.resolve("cache"));
    env.put("GO111MODULE", "off");
    env.put("GOPATH", gopath.toString());
    env.put("GOFLAGS", "");
    KoRunner.Result r =
        KoRunner.in(dir, env).run("build", "--platform=linux/amd64", "--sbom-dir=sboms", "./");
    assertThat(r.exit()).as(r.describe()).isZero();
    String ref = r.stdout().strip();
    String repo = "it-sbom-gopath-" + run + "/hello-" + md5("example.com/gp/hello");
    assertThat(ref).startsWith(bed.registry() + "/" + repo + "@sha256:");
    byte[] bytes = fetchSbom(repo, ref.substring(ref.indexOf('@') + 1));
    JsonNode main = null;
    for (JsonNode p : JSON.readTree(bytes).at("/packages")) {
      if (p.at("/name").asText().equals("example.com/gp/hello")) {
        main = p;
      }
    }
    assertThat(main).as(new String(bytes, StandardCharsets.UTF_8)).isNotNull();
    assertThat(main.at("/SPDXID").asText()).isEqualTo("SPDXRef-Package-example.com.gp.hello");
    assertThat(main.at("/downloadLocation").asText()).isEqualTo("NOASSERTION");
    assertThat(main.at("/externalRefs/0/referenceLocator").asText())
        .isEqualTo("pkg:golang/example.com/gp/hello");
    Path file = tmp.resolve("gopath.spdx.json");
    Files.write(file, bytes);
    assertThat(SpdxValidator.problems(file)).as("SPDX Verify").isEmpty();
    assertThat(Files.readAllBytes(dir.resolve("sboms/hello-linux-amd64.spdx.json")))
        .isEqualTo(bytes);
  }

  @Test
  void sbomNoneMakesAndPushesNoSbom() throws Exception {
    Path app = module(tmp.resolve("src"));
    KoRunner.Result r =
        KoRunner.in(app, env("it-sbom-none", tmp.resolve("cache")))
            .run("build", TWO_PLATFORMS, "--sbom=none", "--sbom-dir=sboms", "./cmd/app");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(bed.tags(repository("it-sbom-none"))).containsExactly("latest");
    assertThat(r.stderr()).doesNotContain("SBOM");
    assertThat(app.resolve("sboms")).doesNotExist();
  }

  @Test
  void cosignRepositoryReceivesTheSboms() throws Exception {
    Path app = module(tmp.resolve("src"));
    Map<String, String> env = env("it-sbom-main", tmp.resolve("cache"));
    String sbomRepo = "it-sbom-elsewhere-" + run + "/sboms";
    env.put("COSIGN_REPOSITORY", bed.registry() + "/" + sbomRepo);
    KoRunner.Result r = KoRunner.in(app, env).run("build", "--platform=linux/arm64", "./cmd/app");
    assertThat(r.exit()).as(r.describe()).isZero();
    String ref = r.stdout().strip();
    String digest = ref.substring(ref.indexOf('@') + 1);
    assertThat(bed.tags(repository("it-sbom-main"))).containsExactly("latest");
    assertThat(bed.tags(sbomRepo)).containsExactly(sbomTag(digest));
    JsonNode sbom = JSON.readTree(fetchSbom(sbomRepo, digest));
    assertThat(sbom.at("/documentDescribes/0").asText())
        .isEqualTo("SPDXRef-Package-" + digest.replace(':', '-'));
  }

  /**
   * {@code --sbom=cyclonedx}: the index and both children get a CycloneDX 1.6 SBOM under cosign's
   * tag, with cosign's CycloneDX media type; what the registry serves equals the {@code --sbom-dir}
   * files and passes the published schema and cyclonedx-core-java; the image digests are those of
   * an SPDX build (the SBOM is beside the image, not in it).
   */
  @Test
  void cycloneDxSbomsArePushedWrittenAndValid() throws Exception {
    Path app = module(tmp.resolve("src"));
    KoRunner.Result spdx =
        KoRunner.in(app, env("it-sbom-cdx-spdx", tmp.resolve("cache")))
            .run("build", TWO_PLATFORMS, "./cmd/app");
    assertThat(spdx.exit()).as(spdx.describe()).isZero();
    KoRunner.Result r =
        KoRunner.in(app, env("it-sbom-cdx", tmp.resolve("cache")))
            .run("build", TWO_PLATFORMS, "--sbom=cyclonedx", "--sbom-dir=sboms", "./cmd/app");
    assertThat(r.exit()).as(r.describe()).isZero();
    String ref = r.stdout().strip();
    String indexDigest = ref.substring(ref.indexOf('@') + 1);
    String spdxRef = spdx.stdout().strip();
    assertThat(indexDigest).isEqualTo(spdxRef.substring(spdxRef.indexOf('@') + 1));
    String repo = repository("it-sbom-cdx");
    JsonNode index = JSON.readTree(bed.skopeoInspect(ref, "--raw"));
    List<String> digests = new ArrayList<>(List.of(indexDigest));
    index.at("/manifests").forEach(m -> digests.add(m.at("/digest").asText()));
    Map<String, String> files =
        Map.of(
            indexDigest,
            "app-index",
            digests.get(1),
            "app-linux-amd64",
            digests.get(2),
            "app-linux-arm64-v8");
    for (String digest : digests) {
      byte[] bom = fetchSbom(repo, digest, "application/vnd.cyclonedx+json");
      dev.ko.sbom.CycloneDxTest.assertValid(bom);
      JsonNode doc = JSON.readTree(bom);
      assertThat(doc.at("/metadata/component/name").asText()).isEqualTo(digest);
      assertThat(Files.readAllBytes(app.resolve("sboms/" + files.get(digest) + ".cyclonedx.json")))
          .isEqualTo(bom);
      if (!digest.equals(indexDigest)) {
        assertThat(doc.at("/components/0/name").asText()).isEqualTo("example.com/app");
        assertThat(doc.at("/components/1/purl").asText())
            .isEqualTo("pkg:golang/example.com/dep@v0.0.0?type=module");
        assertThat(doc.at("/components/2/name").asText()).isEqualTo("stdlib");
      }
    }
  }

  @Test
  void badSbomFormatOrCosignRepositoryIsAnErrorBeforeAnythingIsBuilt() throws Exception {
    Path app = module(tmp.resolve("src"));
    KoRunner.Result r =
        KoRunner.in(app, env("it-sbom-bad", tmp.resolve("cache")))
            .run("build", "--sbom=cyclone", "./cmd/app");
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr().strip())
        .isEqualTo("Error: invalid --sbom \"cyclone\": want spdx, cyclonedx or none");
    assertThat(bed.tags(repository("it-sbom-bad"))).isEmpty();

    Map<String, String> env = env("it-sbom-bad", tmp.resolve("cache"));
    env.put("COSIGN_REPOSITORY", "Not A/Repository");
    KoRunner.Result badRepo = KoRunner.in(app, env).run("build", "./cmd/app");
    assertThat(badRepo.exit()).as(badRepo.describe()).isEqualTo(1);
    assertThat(badRepo.stdout()).isEmpty();
    assertThat(badRepo.stderr().strip())
        .startsWith("Error: failed to parse COSIGN_REPOSITORY \"Not A/Repository\" as repository");
    assertThat(bed.tags(repository("it-sbom-bad"))).isEmpty();
  }

  private static String sbomTag(String digest) {
    return digest.replace(':', '-') + ".sbom";
  }

  /**
   * The SBOM attached to {@code digest}: its manifest read by skopeo, its one layer fetched and
   * checked.
   */
  private byte[] fetchSbom(String repo, String digest) throws Exception {
    return fetchSbom(repo, digest, "text/spdx+json");
  }

  private byte[] fetchSbom(String repo, String digest, String mediaType) throws Exception {
    JsonNode manifest =
        JSON.readTree(
            bed.skopeoInspect(bed.registry() + "/" + repo + ":" + sbomTag(digest), "--raw"));
    assertThat(manifest.at("/mediaType").asText())
        .isEqualTo("application/vnd.oci.image.manifest.v1+json");
    assertThat(manifest.at("/layers").size()).isEqualTo(1);
    JsonNode layer = manifest.at("/layers/0");
    assertThat(layer.at("/mediaType").asText()).isEqualTo(mediaType);
    String blobDigest = layer.at("/digest").asText();
    Path out = tmp.resolve("blob-" + blobDigest.substring(7));
    Proc.Result curl =
        Proc.run(
            Repo.root(),
            Map.of(),
            List.of(
                "curl",
                "-sf",
                "-o",
                out.toString(),
                "http://" + bed.registry() + "/v2/" + repo + "/blobs/" + blobDigest));
    assertThat(curl.exit()).as(curl.stderr()).isZero();
    byte[] bytes = Files.readAllBytes(out);
    assertThat(
            "sha256:"
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
        .isEqualTo(blobDigest);
    return bytes;
  }

  private static String md5(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
