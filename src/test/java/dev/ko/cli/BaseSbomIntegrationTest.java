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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our SBOMs reference the base image's SBOM when the base has one: a two-platform image built by
 * ko-jvm (so that it really has ko-written SBOMs, per platform and for its index) is the base of a
 * second build on the real registry; the second build's SBOMs, fetched with skopeo and curl, name
 * the base SBOMs' namespaces with the SHA1 that {@code sha1sum} computes over the base SBOM bytes
 * fetched the same independent way.
 */
@Tag("integration")
class BaseSbomIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TWO_PLATFORMS = "--platform=linux/amd64,linux/arm64";

  private final TestBed bed = TestBed.plain();
  private final String run = Long.toHexString(System.nanoTime());

  @TempDir Path tmp;

  /** A module {@code example.com/<name>} with its main package at the root. */
  private Path module(String name) throws IOException {
    Path dir = tmp.resolve(name);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("go.mod"), "module example.com/" + name + "\n\ngo 1.19\n");
    Files.writeString(
        dir.resolve("main.go"),
        "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"" + name + "\") }\n");
    return dir;
  }

  private Map<String, String> env(String repo, String base) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/" + repo + "-" + run);
    env.put("KO_DEFAULTBASEIMAGE", base);
    env.put("KOCACHE", tmp.resolve("cache").toString());
    env.put("GOPROXY", "off");
    return env;
  }

  /**
   * Builds {@code name} with ko-jvm on {@code base}, pushed bare to {@code repo}; its reference.
   */
  private KoRunner.Result build(String name, String repo, String base, String... flags)
      throws IOException {
    List<String> args = new ArrayList<>(List.of("build", "--bare", TWO_PLATFORMS));
    args.addAll(List.of(flags));
    args.add(".");
    KoRunner.Result r = KoRunner.in(module(name), env(repo, base)).run(args.toArray(String[]::new));
    assertThat(r.exit()).as(r.describe()).isZero();
    return r;
  }

  private String repo(String name) {
    return name + "-" + run;
  }

  /** The digests of an index and its children, as skopeo reads them. */
  private List<String> digests(String ref) throws Exception {
    List<String> out = new ArrayList<>(List.of(ref.substring(ref.indexOf('@') + 1)));
    JSON.readTree(bed.skopeoInspect(ref, "--raw"))
        .at("/manifests")
        .forEach(m -> out.add(m.at("/digest").asText()));
    return out;
  }

  /** The manifest under cosign's SBOM tag of {@code digest}, read by skopeo. */
  private String sbomManifest(String repo, String digest) throws Exception {
    return bed.skopeoInspect(
        bed.registry() + "/" + repo + ":" + digest.replace(':', '-') + ".sbom", "--raw");
  }

  /** The SBOM document a manifest's one layer holds, fetched with curl. */
  private byte[] document(String repo, String manifest) throws Exception {
    JsonNode layers = JSON.readTree(manifest).at("/layers");
    assertThat(layers.size()).isEqualTo(1);
    return bed.blob(repo, layers.at("/0/digest").asText());
  }

  private String sha1sum(byte[] bytes) throws Exception {
    Path file = Files.createTempFile(tmp, "sbom-", ".json");
    Files.write(file, bytes);
    Proc.Result r = Proc.run(Repo.root(), Map.of(), List.of("sha1sum", file.toString()));
    assertThat(r.exit()).as(r.stderr()).isZero();
    return r.stdout().substring(0, 40);
  }

  private String sha256sum(byte[] bytes) throws Exception {
    Path file = Files.createTempFile(tmp, "sbom-", ".json");
    Files.write(file, bytes);
    Proc.Result r = Proc.run(Repo.root(), Map.of(), List.of("sha256sum", file.toString()));
    assertThat(r.exit()).as(r.stderr()).isZero();
    return r.stdout().substring(0, 64);
  }

  @Test
  void spdxSbomsReferenceTheBaseSbomsOfTheSamePlatformAndOfTheIndex() throws Exception {
    String baseRef = build("base", "bsbom-base", bed.base()).stdout().strip();
    List<String> baseDigests = digests(baseRef);
    String baseRepo = repo("bsbom-base");

    KoRunner.Result app = build("app", "bsbom-app", baseRef, "--sbom-dir=sboms");
    String ref = app.stdout().strip();
    assertThat(app.stderr()).doesNotContain("no SBOM");
    List<String> digests = digests(ref);
    assertThat(digests).hasSize(3);
    for (int i = 0; i < digests.size(); i++) {
      byte[] base = document(baseRepo, sbomManifest(baseRepo, baseDigests.get(i)));
      JsonNode baseDoc = JSON.readTree(base);
      byte[] ours = document(repo("bsbom-app"), sbomManifest(repo("bsbom-app"), digests.get(i)));
      JsonNode doc = JSON.readTree(ours);
      JsonNode external = doc.at("/externalDocumentRefs/0");
      assertThat(doc.at("/externalDocumentRefs").size()).isEqualTo(1);
      assertThat(external.at("/externalDocumentId").asText()).isEqualTo("DocumentRef-base-image");
      assertThat(external.at("/spdxDocument").asText())
          .isEqualTo(baseDoc.at("/documentNamespace").asText())
          .isEqualTo("http://spdx.org/spdxdocs/ko/" + baseDigests.get(i));
      assertThat(external.at("/checksum/algorithm").asText()).isEqualTo("SHA1");
      assertThat(external.at("/checksum/checksumValue").asText()).isEqualTo(sha1sum(base));
      assertThat(doc.at("/relationships").toString())
          .contains(
              "\"relatedSpdxElement\":\"DocumentRef-base-image:"
                  + baseDoc.at("/documentDescribes/0").asText()
                  + "\"");
      Path file = tmp.resolve("ours-" + i + ".spdx.json");
      Files.write(file, ours);
      assertThat(SpdxValidator.problems(file)).isEmpty();
    }
    // --sbom-dir holds the same bytes as the registry.
    assertThat(Files.readAllBytes(tmp.resolve("app/sboms/app-index.spdx.json")))
        .isEqualTo(document(repo("bsbom-app"), sbomManifest(repo("bsbom-app"), digests.get(0))));

    // Reproducible: the same inputs (a second repository, a fresh cache) give the same SBOM bytes.
    KoRunner.Result again = build("app", "bsbom-app2", baseRef);
    assertThat(digests(again.stdout().strip())).isEqualTo(digests);
    for (String d : digests) {
      assertThat(sbomManifest(repo("bsbom-app2"), d)).isEqualTo(sbomManifest(repo("bsbom-app"), d));
    }
  }

  @Test
  void cycloneDxSbomsReferenceTheBaseSbomByDigestWithItsHash() throws Exception {
    String baseRef = build("base", "bsbom-cbase", bed.base()).stdout().strip();
    List<String> baseDigests = digests(baseRef);
    String baseRepo = repo("bsbom-cbase");
    String ref = build("app", "bsbom-capp", baseRef, "--sbom=cyclonedx").stdout().strip();
    List<String> digests = digests(ref);
    for (int i = 0; i < digests.size(); i++) {
      String baseManifest = sbomManifest(baseRepo, baseDigests.get(i));
      byte[] base = document(baseRepo, baseManifest);
      byte[] ours = document(repo("bsbom-capp"), sbomManifest(repo("bsbom-capp"), digests.get(i)));
      dev.ko.sbom.CycloneDxTest.assertValid(ours);
      JsonNode ancestor = JSON.readTree(ours).at("/metadata/component/pedigree/ancestors/0");
      assertThat(ancestor.at("/type").asText()).isEqualTo("container");
      assertThat(ancestor.at("/purl").asText())
          .startsWith("pkg:oci/image@" + baseDigests.get(i) + "?repository_url=");
      JsonNode bom = ancestor.at("/externalReferences/0");
      assertThat(bom.at("/type").asText()).isEqualTo("bom");
      assertThat(bom.at("/url").asText())
          .isEqualTo(
              "docker://"
                  + bed.registry()
                  + "/"
                  + baseRepo
                  + "@sha256:"
                  + sha256sum(baseManifest.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      assertThat(bom.at("/hashes/0/content").asText()).isEqualTo(sha256sum(base));
    }
  }

  @Test
  void withReferrersTheBaseSbomReferrerIsReferenced() throws Exception {
    String baseRef = build("base", "bsbom-rbase", bed.base(), "--referrers=tag").stdout().strip();
    String baseRepo = repo("bsbom-rbase");
    String baseIndex = baseRef.substring(baseRef.indexOf('@') + 1);
    // The base's SBOM is only a referrer, listed in its referrers tag: no cosign tag.
    assertThat(bed.tags(baseRepo)).noneMatch(t -> t.endsWith(".sbom"));
    JsonNode listed =
        JSON.readTree(
            bed.skopeoInspect(
                bed.registry() + "/" + baseRepo + ":" + baseIndex.replace(':', '-'), "--raw"));
    String referrer = "";
    for (JsonNode m : listed.at("/manifests")) {
      if (m.at("/artifactType").asText().equals("text/spdx+json")) {
        referrer = m.at("/digest").asText();
      }
    }
    assertThat(referrer).startsWith("sha256:");
    String referrerManifest =
        bed.skopeoInspect(bed.registry() + "/" + baseRepo + "@" + referrer, "--raw");
    byte[] base = document(baseRepo, referrerManifest);

    String ref =
        build("app", "bsbom-rapp", baseRef, "--referrers=tag", "--sbom-dir=sboms").stdout().strip();
    JsonNode doc = JSON.readTree(Files.readAllBytes(tmp.resolve("app/sboms/app-index.spdx.json")));
    assertThat(doc.at("/externalDocumentRefs/0/spdxDocument").asText())
        .isEqualTo(JSON.readTree(base).at("/documentNamespace").asText());
    assertThat(doc.at("/externalDocumentRefs/0/checksum/checksumValue").asText())
        .isEqualTo(sha1sum(base));
    assertThat(doc.at("/documentNamespace").asText()).endsWith(ref.substring(ref.indexOf('@') + 1));

    // Without --referrers the referrer is not looked for: the SBOM has no external reference.
    build("app", "bsbom-rapp2", baseRef, "--sbom-dir=sboms2");
    assertThat(
            JSON.readTree(Files.readAllBytes(tmp.resolve("app/sboms2/app-index.spdx.json")))
                .has("externalDocumentRefs"))
        .isFalse();
  }

  @Test
  void aBaseWithoutSbomIsSilentAtNormalVerbosityAndSbomNoneLooksNothingUp() throws Exception {
    long mark = bed.logMark();
    KoRunner.Result plain = build("app", "bsbom-none", bed.base(), "--sbom-dir=sboms");
    assertThat(plain.stderr()).doesNotContain("SBOM of").doesNotContain("no SBOM");
    String path = bed.base().substring(bed.registry().length() + 1);
    String baseRepo = path.substring(0, path.indexOf(':'));
    String lookup = "GET /v2/" + baseRepo + "/manifests/sha256-";
    assertThat(bed.requestsSince(mark)).anyMatch(r -> r.startsWith(lookup) && r.endsWith(".sbom"));
    assertThat(
            JSON.readTree(Files.readAllBytes(tmp.resolve("app/sboms/app-index.spdx.json")))
                .has("externalDocumentRefs"))
        .isFalse();

    KoRunner.Result verbose = build("app", "bsbom-none-v", bed.base(), "-v");
    assertThat(verbose.stderr()).contains("no SBOM");

    long none = bed.logMark();
    build("app", "bsbom-none-off", bed.base(), "--sbom=none");
    assertThat(bed.requestsSince(none))
        .noneMatch(r -> r.startsWith(lookup))
        .noneMatch(r -> r.contains("/referrers/"));
  }
}
