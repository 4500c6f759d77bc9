package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.testing.KoRunner;
import dev.ko.testing.OpensslKeys;
import dev.ko.testing.Proc;
import dev.ko.testing.TestBed;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --referrers}: SBOMs and signatures pushed to the real registry (distribution 2.8, which
 * has no referrers API) as OCI 1.1 referrers listed under the referrers tag schema, read back with
 * skopeo and curl, the signature checked with openssl.
 */
@Tag("integration")
class ReferrersIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IMPORT_PATH = "example.com/app/cmd/app";
  private static final String SIG_TYPE = "application/vnd.dev.cosign.artifact.sig.v1+json";
  private static final String EMPTY_DIGEST =
      "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

  private final TestBed bed = TestBed.plain();
  private final String run = Long.toHexString(System.nanoTime());

  @TempDir Path tmp;

  private static Path module(Path root) throws IOException {
    Path app = root.resolve("app");
    Files.createDirectories(app.resolve("cmd/app"));
    Files.writeString(app.resolve("go.mod"), "module example.com/app\n\ngo 1.19\n");
    Files.writeString(
        app.resolve("cmd/app/main.go"),
        "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"referred\") }\n");
    return app;
  }

  private Map<String, String> env(String repo) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/" + repo + "-" + run);
    env.put("KO_DEFAULTBASEIMAGE", bed.base());
    env.put("KOCACHE", tmp.resolve("cache").toString());
    env.put("GOPROXY", "off");
    return env;
  }

  private String repository(String repo) throws Exception {
    return repo + "-" + run + "/app-" + md5(IMPORT_PATH);
  }

  private Proc.Result check(String... cmd) throws IOException {
    Proc.Result r = Proc.run(tmp, Map.of(), List.of(cmd));
    assertThat(r.exit()).as(String.join(" ", cmd) + ": " + r.stderr()).isZero();
    return r;
  }

  private JsonNode raw(String repo, String tagOrDigest) throws IOException {
    String sep = tagOrDigest.startsWith("sha256:") ? "@" : ":";
    return JSON.readTree(
        bed.skopeoInspect(bed.registry() + "/" + repo + sep + tagOrDigest, "--raw"));
  }

  private static String tagOf(String digest) {
    return digest.replace(':', '-');
  }

  /** The entries of the referrers tag of {@code subject}, each checked against its manifest. */
  private List<JsonNode> referrers(String repo, String subject, long subjectSize)
      throws IOException {
    JsonNode index = raw(repo, tagOf(subject));
    assertThat(index.at("/schemaVersion").asInt()).isEqualTo(2);
    assertThat(index.at("/mediaType").asText())
        .isEqualTo("application/vnd.oci.image.index.v1+json");
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode entry : index.at("/manifests")) {
      String digest = entry.at("/digest").asText();
      String manifestText = bed.skopeoInspect(bed.registry() + "/" + repo + "@" + digest, "--raw");
      JsonNode manifest = JSON.readTree(manifestText);
      assertThat(entry.at("/mediaType").asText())
          .isEqualTo("application/vnd.oci.image.manifest.v1+json");
      assertThat(entry.at("/size").asLong())
          .isEqualTo(manifestText.getBytes(StandardCharsets.UTF_8).length);
      assertThat(entry.at("/artifactType").asText())
          .isEqualTo(manifest.at("/artifactType").asText());
      assertThat(manifest.at("/mediaType").asText())
          .isEqualTo("application/vnd.oci.image.manifest.v1+json");
      assertThat(manifest.at("/subject/digest").asText()).isEqualTo(subject);
      assertThat(manifest.at("/subject/size").asLong()).isEqualTo(subjectSize);
      assertThat(manifest.at("/config/mediaType").asText())
          .isEqualTo("application/vnd.oci.empty.v1+json");
      assertThat(manifest.at("/config/digest").asText()).isEqualTo(EMPTY_DIGEST);
      assertThat(new String(bed.blob(repo, EMPTY_DIGEST), StandardCharsets.UTF_8)).isEqualTo("{}");
      assertThat(manifest.at("/layers").size()).isEqualTo(1);
      out.add(manifest);
    }
    return out;
  }

  private static JsonNode ofType(List<JsonNode> manifests, String type) {
    return manifests.stream()
        .filter(m -> m.at("/artifactType").asText().equals(type))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no referrer of type " + type + ": " + manifests));
  }

  @Test
  void autoOnARegistryWithoutTheApiListsSbomsAndSignaturesUnderTheReferrersTag() throws Exception {
    Path key = OpensslKeys.pair(tmp, "cosign");
    Path app = module(tmp.resolve("src"));
    List<String> args =
        List.of(
            "build",
            "--platform=linux/amd64,linux/arm64",
            "--sign-key=" + key,
            "--referrers=auto",
            "./cmd/app");
    KoRunner.Result r = KoRunner.in(app, env("it-ref")).run(args.toArray(String[]::new));
    assertThat(r.exit()).as(r.describe()).isZero();
    String ref = r.stdout().strip();
    String digest = ref.substring(ref.indexOf('@') + 1);
    String repo = repository("it-ref");

    // distribution 2.8 has no referrers API: that is why the tag schema is used.
    Proc.Result api =
        check(
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "http://" + bed.registry() + "/v2/" + repo + "/referrers/" + digest);
    assertThat(api.stdout()).isEqualTo("404");

    JsonNode index = raw(repo, digest);
    List<String> children = new ArrayList<>();
    index.at("/manifests").forEach(d -> children.add(d.at("/digest").asText()));
    assertThat(children).hasSize(2);
    List<String> expectedTags = new ArrayList<>(List.of("latest", tagOf(digest)));
    children.forEach(c -> expectedTags.add(tagOf(c)));
    assertThat(bed.tags(repo))
        .as("the referrers tags, no cosign .sbom/.sig tags")
        .containsExactlyInAnyOrderElementsOf(expectedTags);

    long indexSize =
        bed.skopeoInspect(bed.registry() + "/" + repo + "@" + digest, "--raw")
            .getBytes(StandardCharsets.UTF_8)
            .length;
    List<JsonNode> top = referrers(repo, digest, indexSize);
    assertThat(top).as("the SBOM, its attestation (a key is given) and the signature").hasSize(3);
    JsonNode attestation = ofType(top, "application/vnd.dsse.envelope.v1+json");
    assertThat(
            attestation
                .at("/layers/0/annotations/dev.cosignproject.cosign~1predicateType")
                .asText())
        .isEqualTo("https://spdx.dev/Document");
    JsonNode sbom = ofType(top, "text/spdx+json");
    JsonNode spdx = JSON.readTree(bed.blob(repo, sbom.at("/layers/0/digest").asText()));
    assertThat(spdx.at("/spdxVersion").asText()).isEqualTo("SPDX-2.3");

    // The signature referrer: openssl verifies its annotation over its payload, which names the
    // index.
    JsonNode sig = ofType(top, SIG_TYPE);
    JsonNode layer = sig.at("/layers/0");
    assertThat(layer.at("/mediaType").asText())
        .isEqualTo("application/vnd.dev.cosign.simplesigning.v1+json");
    byte[] payload = bed.blob(repo, layer.at("/digest").asText());
    assertThat(JSON.readTree(payload).at("/critical/image/docker-manifest-digest").asText())
        .isEqualTo(digest);
    Files.write(tmp.resolve("payload"), payload);
    Files.write(
        tmp.resolve("sig.der"),
        Base64.getDecoder()
            .decode(layer.at("/annotations/dev.cosignproject.cosign~1signature").asText()));
    Proc.Result ok =
        check(
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            tmp.resolve("cosign.pub").toString(),
            "-signature",
            tmp.resolve("sig.der").toString(),
            tmp.resolve("payload").toString());
    assertThat(ok.stdout()).isEqualTo("Verified OK\n");

    for (JsonNode child : index.at("/manifests")) {
      List<JsonNode> list =
          referrers(repo, child.at("/digest").asText(), child.at("/size").asLong());
      assertThat(list)
          .as("each platform's SBOM and its attestation")
          .extracting(m -> m.at("/artifactType").asText())
          .containsExactlyInAnyOrder("text/spdx+json", "application/vnd.dsse.envelope.v1+json");
    }

    // Again: the same digest; the referrers tag keeps every entry it had, lists the (same) SBOM
    // once, and gains only the new signature and SBOM attestation (ECDSA signatures differ each
    // time, as cosign's do).
    List<String> before = entryDigests(raw(repo, tagOf(digest)));
    KoRunner.Result again = KoRunner.in(app, env("it-ref")).run(args.toArray(String[]::new));
    assertThat(again.exit()).as(again.describe()).isZero();
    assertThat(again.stdout().strip()).isEqualTo(ref);
    List<String> after = entryDigests(raw(repo, tagOf(digest)));
    assertThat(after).doesNotHaveDuplicates().hasSize(5).startsWith(before.toArray(String[]::new));
    List<JsonNode> now = referrers(repo, digest, indexSize);
    assertThat(now.stream().filter(m -> m.at("/artifactType").asText().equals("text/spdx+json")))
        .hasSize(1);
    for (JsonNode child : index.at("/manifests")) {
      assertThat(entryDigests(raw(repo, tagOf(child.at("/digest").asText()))))
          .as("the platform's SBOM is the same, listed once; one more (newly signed) attestation")
          .hasSize(3);
    }
  }

  private static List<String> entryDigests(JsonNode index) {
    List<String> out = new ArrayList<>();
    index.at("/manifests").forEach(d -> out.add(d.at("/digest").asText()));
    return out;
  }

  @Test
  void apiOnARegistryWithoutTheApiIsAOneLineErrorAndMovesNoTag() throws Exception {
    Path app = module(tmp.resolve("src"));
    KoRunner.Result r =
        KoRunner.in(app, env("it-ref-api"))
            .run("build", "--platform=linux/arm64", "--referrers=api", "./cmd/app");
    assertThat(r.exit()).as(r.describe()).isNotZero();
    assertThat(r.stderr().lines().filter(l -> l.startsWith("Error:")).toList())
        .singleElement()
        .asString()
        .contains("no OCI referrers API")
        .contains("--referrers=auto or tag");
    assertThat(bed.tags(repository("it-ref-api"))).isEmpty();
  }

  @Test
  void koYamlAndKoReferrersChooseTheModeAndBadValuesAreOneLineErrors() throws Exception {
    Path app = module(tmp.resolve("src"));
    Files.writeString(app.resolve(".ko.yaml"), "referrers: tag\n");
    KoRunner.Result r =
        KoRunner.in(app, env("it-ref-yaml")).run("build", "--platform=linux/arm64", "./cmd/app");
    assertThat(r.exit()).as(r.describe()).isZero();
    String digest = r.stdout().strip().substring(r.stdout().indexOf('@') + 1);
    String repo = repository("it-ref-yaml");
    assertThat(bed.tags(repo)).containsExactlyInAnyOrder("latest", tagOf(digest));
    assertThat(raw(repo, tagOf(digest)).at("/manifests/0/artifactType").asText())
        .isEqualTo("text/spdx+json");

    // KO_REFERRERS beats the file, the flag beats both.
    Map<String, String> env = env("it-ref-env");
    env.put("KO_REFERRERS", "cosign-tags");
    KoRunner.Result cosign =
        KoRunner.in(app, env).run("build", "--platform=linux/arm64", "./cmd/app");
    assertThat(cosign.exit()).as(cosign.describe()).isZero();
    assertThat(bed.tags(repository("it-ref-env")))
        .containsExactlyInAnyOrder("latest", tagOf(digest) + ".sbom");

    KoRunner.Result flag =
        KoRunner.in(app, env)
            .run("build", "--platform=linux/arm64", "--referrers=oci", "./cmd/app");
    assertThat(flag.exit()).isNotZero();
    assertThat(flag.stderr())
        .contains("Error: invalid --referrers \"oci\": want auto, api, tag or cosign-tags");

    Files.writeString(app.resolve(".ko.yaml"), "referrers: tags\n");
    KoRunner.Result yaml =
        KoRunner.in(app, env("it-ref-bad")).run("build", "--platform=linux/arm64", "./cmd/app");
    assertThat(yaml.exit()).isNotZero();
    assertThat(yaml.stderr().lines().filter(l -> l.startsWith("Error:")).toList())
        .singleElement()
        .asString()
        .contains(".ko.yaml:1")
        .contains("\"tags\": want auto, api, tag or cosign-tags");
    assertThat(bed.tags(repository("it-ref-bad"))).isEmpty();
  }

  @Test
  void withoutTheFlagAttachmentsKeepCosignsTags() throws Exception {
    Path app = module(tmp.resolve("src"));
    KoRunner.Result r =
        KoRunner.in(app, env("it-ref-none")).run("build", "--platform=linux/arm64", "./cmd/app");
    assertThat(r.exit()).as(r.describe()).isZero();
    String digest = r.stdout().strip().substring(r.stdout().indexOf('@') + 1);
    JsonNode sbom = raw(repository("it-ref-none"), tagOf(digest) + ".sbom");
    assertThat(sbom.has("subject")).isFalse();
    assertThat(sbom.has("artifactType")).isFalse();
    assertThat(bed.tags(repository("it-ref-none")))
        .containsExactlyInAnyOrder("latest", tagOf(digest) + ".sbom");
  }

  private static String md5(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
