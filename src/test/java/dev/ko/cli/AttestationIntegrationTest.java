package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ko.testing.GitRepo;
import dev.ko.testing.JsonSchemas;
import dev.ko.testing.KoRunner;
import dev.ko.testing.OpensslKeys;
import dev.ko.testing.Proc;
import dev.ko.testing.Repo;
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
 * Attestations on the real registry: {@code --provenance} and {@code --sign-key} push cosign's
 * {@code sha256-<hex>.att} images, which skopeo reads and curl fetches; openssl (over PAE bytes
 * built here) and sigstore-js's {@code @sigstore/core} (with its own PAE) verify each DSSE
 * signature with the public key, the statements and SLSA predicates validate against their schemas;
 * {@code --source-annotations} and {@code .ko.yaml}'s keys; and nothing of it without the flags.
 */
@Tag("integration")
class AttestationIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IMPORT_PATH = "example.com/app/cmd/app";
  private static final String REMOTE = "https://ci-user:s3cr3t-token@git.example.com/org/app.git";

  private final TestBed bed = TestBed.plain();
  private final String run = Long.toHexString(System.nanoTime());

  @TempDir Path tmp;

  /** A module in a git repository with a credentialed remote, committed (clean). */
  private Path module() throws IOException {
    Path app = tmp.resolve("src/app");
    Files.createDirectories(app.resolve("cmd/app"));
    Files.writeString(app.resolve("go.mod"), "module example.com/app\n\ngo 1.19\n");
    Files.writeString(
        app.resolve("cmd/app/main.go"),
        "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"attested\") }\n");
    GitRepo.init(app);
    GitRepo.git(app, "remote", "add", "origin", REMOTE);
    GitRepo.commitAll(app, "app");
    return app;
  }

  private Map<String, String> env(String repo) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/" + repo + "-" + run);
    env.put("KO_DEFAULTBASEIMAGE", bed.base());
    env.put("KOCACHE", tmp.resolve("cache").toString());
    env.put("GOPROXY", "off");
    env.put("SOURCE_DATE_EPOCH", "1700000000");
    return env;
  }

  private String repository(String repo) throws Exception {
    return repo + "-" + run + "/app-" + md5(IMPORT_PATH);
  }

  /** A P-256 key pair made by openssl: {@code <name>.pem} (PKCS#8) and {@code <name>.pub}. */
  private Path keyPair(String name) throws IOException {
    return OpensslKeys.pair(tmp, name);
  }

  private Proc.Result verify(Path pub, byte[] data, byte[] signature) throws IOException {
    Path d = Files.createTempFile(tmp, "pae", ".bin");
    Path s = Files.createTempFile(tmp, "sig", ".der");
    Files.write(d, data);
    Files.write(s, signature);
    return Proc.run(
        tmp,
        Map.of(),
        List.of(
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            pub.toString(),
            "-signature",
            s.toString(),
            d.toString()));
  }

  /**
   * sigstore-js's verdict ({@code @sigstore/core}, installed by {@code scripts/testbed.sh install}
   * into the test bed's cache) on an envelope, with its own PAE and signature check.
   */
  private Proc.Result sigstoreJs(byte[] envelope, Path pub) throws IOException {
    Path modules = null;
    List<Path> candidates = new ArrayList<>();
    if (System.getenv("KO_TESTBED_CACHE") != null) {
      candidates.add(Path.of(System.getenv("KO_TESTBED_CACHE"), "npm/node_modules"));
    }
    candidates.add(Path.of("/var/cache/ko-testbed/npm/node_modules"));
    candidates.add(Path.of(System.getProperty("user.home"), ".cache/ko-testbed/npm/node_modules"));
    for (Path c : candidates) {
      if (modules == null && Files.isRegularFile(c.resolve("@sigstore/core/package.json"))) {
        modules = c;
      }
    }
    assertThat(modules).as("@sigstore/core: run scripts/testbed.sh install").isNotNull();
    Path file = Files.createTempFile(tmp, "envelope", ".json");
    Files.write(file, envelope);
    Path script = Repo.root().resolve("src/test/resources/sigstore-dsse-verify.js");
    return Proc.run(
        tmp,
        Map.of(),
        List.of("node", script.toString(), modules.toString(), file.toString(), pub.toString()));
  }

  private static byte[] pae(byte[] payload) {
    String type = "application/vnd.in-toto+json";
    byte[] head =
        ("DSSEv1 " + type.length() + " " + type + " " + payload.length + " ")
            .getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[head.length + payload.length];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(payload, 0, out, head.length, payload.length);
    return out;
  }

  /** The .att image of {@code digest} as skopeo reads it. */
  private JsonNode att(String repo, String digest) throws IOException {
    return JSON.readTree(
        bed.skopeoInspect(
            bed.registry() + "/" + repo + ":" + digest.replace(':', '-') + ".att", "--raw"));
  }

  @Test
  void signedProvenanceAndSbomAttestationsVerifyWithOpenssl() throws Exception {
    Path key = keyPair("cosign");
    keyPair("other");
    Path app = module();
    String commit = GitRepo.git(app, "rev-parse", "HEAD");
    KoRunner.Result r =
        KoRunner.in(app, env("it-att"))
            .run(
                "build",
                "--platform=linux/amd64,linux/arm64",
                "--sign-key=" + key,
                "--provenance",
                "./cmd/app");
    assertThat(r.exit()).as(r.describe()).isZero();
    String ref = r.stdout().strip();
    String digest = ref.substring(ref.indexOf('@') + 1);
    String repo = repository("it-att");
    JsonNode index =
        JSON.readTree(bed.skopeoInspect(bed.registry() + "/" + repo + "@" + digest, "--raw"));
    List<String> subjects = new ArrayList<>(List.of(digest));
    index.get("manifests").forEach(m -> subjects.add(m.get("digest").asText()));
    assertThat(subjects).hasSize(3);
    List<String> tags = bed.tags(repo);
    for (String subject : subjects) {
      assertThat(tags).contains(subject.replace(':', '-') + ".att");
    }

    for (String subject : subjects) {
      JsonNode manifest = att(repo, subject);
      JsonNode layers = manifest.get("layers");
      assertThat(layers.size()).as("an SBOM and a provenance attestation").isEqualTo(2);
      List<String> types = new ArrayList<>();
      for (JsonNode layer : layers) {
        assertThat(layer.get("mediaType").asText())
            .isEqualTo("application/vnd.dsse.envelope.v1+json");
        String predicateType =
            layer.at("/annotations/dev.cosignproject.cosign~1predicateType").asText();
        types.add(predicateType);
        byte[] envelopeBytes = bed.blob(repo, layer.get("digest").asText());
        JsonNode envelope = JSON.readTree(envelopeBytes);
        assertThat(envelope.get("payloadType").asText()).isEqualTo("application/vnd.in-toto+json");
        byte[] payload = Base64.getDecoder().decode(envelope.get("payload").asText());
        byte[] sig = Base64.getDecoder().decode(envelope.at("/signatures/0/sig").asText());

        Proc.Result ok = verify(tmp.resolve("cosign.pub"), pae(payload), sig);
        assertThat(ok.stdout()).as(ok.stderr()).isEqualTo("Verified OK\n");
        byte[] tampered =
            new String(payload, StandardCharsets.UTF_8)
                .replace(subject.substring(7), "0".repeat(64))
                .getBytes(StandardCharsets.UTF_8);
        assertThat(verify(tmp.resolve("cosign.pub"), pae(tampered), sig).exit())
            .as("a tampered payload")
            .isNotZero();
        assertThat(verify(tmp.resolve("other.pub"), pae(payload), sig).exit())
            .as("another key")
            .isNotZero();

        Proc.Result js = sigstoreJs(envelopeBytes, tmp.resolve("cosign.pub"));
        assertThat(js.stdout()).as(js.stderr()).isEqualTo("verified\n");
        assertThat(sigstoreJs(envelopeBytes, tmp.resolve("other.pub")).stdout())
            .isEqualTo("refused\n");
        ObjectNode forged = (ObjectNode) JSON.readTree(envelopeBytes);
        forged.put("payload", Base64.getEncoder().encodeToString(tampered));
        assertThat(sigstoreJs(JSON.writeValueAsBytes(forged), tmp.resolve("cosign.pub")).exit())
            .as("sigstore-js, a tampered payload")
            .isNotZero();

        assertThat(JsonSchemas.inTotoStatementV1(payload)).isEmpty();
        JsonNode statement = JSON.readTree(payload);
        assertThat(statement.get("predicateType").asText()).isEqualTo(predicateType);
        assertThat(statement.at("/subject/0/name").asText()).isEqualTo(bed.registry() + "/" + repo);
        assertThat(statement.at("/subject/0/digest/sha256").asText())
            .isEqualTo(subject.substring(7));
        if (predicateType.equals("https://slsa.dev/provenance/v1")) {
          JsonNode p = statement.get("predicate");
          assertThat(JsonSchemas.slsaProvenanceV1(JSON.writeValueAsBytes(p))).isEmpty();
          assertThat(p.toString()).doesNotContain("s3cr3t").doesNotContain("ci-user");
          assertThat(p.at("/buildDefinition/externalParameters/source/uri").asText())
              .isEqualTo("git+https://git.example.com/org/app.git");
          assertThat(p.at("/buildDefinition/externalParameters/source/digest/gitCommit").asText())
              .isEqualTo(commit);
          assertThat(p.at("/runDetails/metadata/startedOn").asText())
              .isEqualTo("2023-11-14T22:13:20Z");
          assertThat(p.at("/runDetails/metadata/finishedOn").asText())
              .isEqualTo("2023-11-14T22:13:20Z");
          assertThat(p.at("/runDetails/builder/id").asText()).startsWith("https://");
          if (!subject.equals(digest)) {
            JsonNode go = p.at("/buildDefinition/internalParameters/goBuild");
            assertThat(go.get("command").get(0).asText()).isEqualTo("go");
            assertThat(go.get("command").toString()).contains("\"-trimpath\"", IMPORT_PATH);
            assertThat(go.at("/env/CGO_ENABLED").asText()).isEqualTo("0");
            assertThat(go.at("/env/GOARCH").asText()).isIn("amd64", "arm64");
            assertThat(go.get("env").has("KOCACHE")).isFalse();
            assertThat(p.at("/buildDefinition/internalParameters/goVersion").asText())
                .startsWith("go1.");
          }
          JsonNode deps = p.at("/buildDefinition/resolvedDependencies");
          assertThat(deps.toString()).contains("\"uri\":\"docker://" + bed.base() + "\"");
        } else {
          assertThat(predicateType).isEqualTo("https://spdx.dev/Document");
          assertThat(statement.at("/predicate/spdxVersion").asText()).isEqualTo("SPDX-2.3");
        }
      }
      assertThat(types)
          .containsExactlyInAnyOrder("https://spdx.dev/Document", "https://slsa.dev/provenance/v1");
    }
  }

  @Test
  void withoutAKeyProvenanceIsABareStatementAndTheDigestIsUnchanged() throws Exception {
    Path app = module();
    KoRunner.Result plain =
        KoRunner.in(app, env("it-att-plain")).run("build", "--platform=linux/arm64", "./cmd/app");
    assertThat(plain.exit()).as(plain.describe()).isZero();
    String plainRepo = repository("it-att-plain");
    assertThat(bed.tags(plainRepo)).noneMatch(t -> t.endsWith(".att") || t.endsWith(".sig"));

    KoRunner.Result r =
        KoRunner.in(app, env("it-att-nokey"))
            .run("build", "--platform=linux/arm64", "--provenance", "./cmd/app");
    assertThat(r.exit()).as(r.describe()).isZero();
    String ref = r.stdout().strip();
    String digest = ref.substring(ref.indexOf('@') + 1);
    String plainRef = plain.stdout().strip();
    assertThat(digest)
        .as("provenance is attached, the image is unchanged")
        .isEqualTo(plainRef.substring(plainRef.indexOf('@') + 1));
    String repo = repository("it-att-nokey");
    assertThat(bed.tags(repo)).noneMatch(t -> t.endsWith(".sig"));
    JsonNode layers = att(repo, digest).get("layers");
    assertThat(layers.size()).isEqualTo(1);
    assertThat(layers.get(0).get("mediaType").asText()).isEqualTo("application/vnd.in-toto+json");
    byte[] statement = bed.blob(repo, layers.get(0).get("digest").asText());
    assertThat(JsonSchemas.inTotoStatementV1(statement)).isEmpty();
    assertThat(
            JsonSchemas.slsaProvenanceV1(
                JSON.writeValueAsBytes(JSON.readTree(statement).get("predicate"))))
        .isEmpty();
  }

  @Test
  void koYamlKeysSignAttestAndAnnotateAndABadValueNamesItsLine() throws Exception {
    Path app = module();
    Path key = keyPair("yaml");
    Files.copy(key, app.resolve("signing.pem"));
    Files.writeString(
        app.resolve(".ko.yaml"),
        "signKey: signing.pem\nprovenance: true\nsourceAnnotations: true\n");
    GitRepo.commitAll(app, "config");
    String commit = GitRepo.git(app, "rev-parse", "HEAD");
    KoRunner.Result r =
        KoRunner.in(app, env("it-att-yaml")).run("build", "--platform=linux/arm64", "./cmd/app");
    assertThat(r.exit()).as(r.describe()).isZero();
    String ref = r.stdout().strip();
    String digest = ref.substring(ref.indexOf('@') + 1);
    String repo = repository("it-att-yaml");
    assertThat(bed.tags(repo))
        .contains(digest.replace(':', '-') + ".sig", digest.replace(':', '-') + ".att");
    JsonNode manifest =
        JSON.readTree(bed.skopeoInspect(bed.registry() + "/" + repo + "@" + digest, "--raw"));
    assertThat(manifest.at("/annotations/org.opencontainers.image.source").asText())
        .isEqualTo("https://git.example.com/org/app.git");
    assertThat(manifest.at("/annotations/org.opencontainers.image.revision").asText())
        .isEqualTo(commit);

    // The flag wins over the file: --source-annotations=false gives the plain digest back.
    KoRunner.Result off =
        KoRunner.in(app, env("it-att-yaml"))
            .run("build", "--platform=linux/arm64", "--source-annotations=false", "./cmd/app");
    assertThat(off.exit()).as(off.describe()).isZero();
    JsonNode plain =
        JSON.readTree(
            bed.skopeoInspect(
                bed.registry()
                    + "/"
                    + repo
                    + "@"
                    + off.stdout().strip().substring(off.stdout().strip().indexOf('@') + 1),
                "--raw"));
    assertThat(plain.at("/annotations").has("org.opencontainers.image.source")).isFalse();

    Files.writeString(
        app.resolve(".ko.yaml"), "defaultPlatforms: [linux/arm64]\nprovenance: maybe\n");
    KoRunner.Result bad = KoRunner.in(app, env("it-att-bad")).run("build", "./cmd/app");
    assertThat(bad.exit()).isNotZero();
    assertThat(bad.stderr().strip().lines().filter(l -> l.startsWith("Error:")).toList())
        .singleElement()
        .asString()
        .contains(".ko.yaml:2")
        .contains("provenance")
        .contains("\"maybe\"");
    assertThat(bed.tags(repository("it-att-bad"))).isEmpty();

    Files.writeString(app.resolve(".ko.yaml"), "signKey: nowhere.pem\n");
    KoRunner.Result missing = KoRunner.in(app, env("it-att-bad")).run("build", "./cmd/app");
    assertThat(missing.exit()).isNotZero();
    assertThat(missing.stderr()).contains(".ko.yaml:1: signKey nowhere.pem: no such file");
  }

  private static String md5(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
