package dev.ko.attest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.oci.Artifact;
import dev.ko.oci.Attachment;
import dev.ko.oci.Digest;
import dev.ko.oci.Image;
import dev.ko.oci.MediaType;
import dev.ko.sbom.GoModule;
import dev.ko.sign.KeySigner;
import dev.ko.testing.JsonSchemas;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attestations of an SBOM and a provenance predicate: DSSE signatures checked by openssl over the
 * PAE bytes with the public key (a tampered payload and another key refused), statements and
 * predicates checked against the in-toto Statement v1 and SLSA provenance v1 schemas.
 */
class AttestorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REPO = "127.0.0.1:5000/app";
  private static final byte[] SPDX =
      "{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8);

  @TempDir Path tmp;
  private Path key;
  private Path pub;
  private Path otherPub;

  @BeforeEach
  void keys() throws Exception {
    key = tmp.resolve("key.pem");
    pub = tmp.resolve("pub.pem");
    Path other = tmp.resolve("other.pem");
    otherPub = tmp.resolve("other.pub.pem");
    for (Path k : List.of(key, other)) {
      run(
          "openssl",
          "genpkey",
          "-algorithm",
          "EC",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-out",
          k.toString());
    }
    run("openssl", "pkey", "-in", key.toString(), "-pubout", "-out", pub.toString());
    run("openssl", "pkey", "-in", other.toString(), "-pubout", "-out", otherPub.toString());
  }

  static Provenance.Build build() {
    return new Provenance.Build(
        "1.2.3",
        "ko://example.com/app",
        "linux/arm/v7",
        List.of("build", "-trimpath", "-ldflags=-s -w", "example.com/app"),
        Map.of(
            "GOOS",
            "linux",
            "GOARCH",
            "arm",
            "GOARM",
            "7",
            "CGO_ENABLED",
            "0",
            "AWS_SECRET_ACCESS_KEY",
            "hunter2",
            "HOME",
            "/root"),
        "go1.19.8",
        "/ko-app/app",
        Optional.of(
            new GitSource(
                "https://example.com/org/app.git",
                "0123456789abcdef0123456789abcdef01234567",
                true)),
        "gcr.io/distroless/static:nonroot",
        Digest.of(new byte[] {1}),
        List.of(
            new GoModule(
                "golang.org/x/text", "v0.3.7", "h1:olpwvP2KacW1ZWvsR7uQhoyTYvKAupfQrRGBFM352Gk=")),
        Instant.parse("2026-12-03T10:00:00.250Z"),
        Instant.parse("2026-12-03T10:00:05Z"));
  }

  private static Artifact subject() throws IOException {
    Image image = new Attachment("x", new MediaType("text/plain"), new byte[] {42}).image();
    return image
        .withAttachment(new Attachment("sbom", new MediaType("text/spdx+json"), SPDX))
        .withAttachment(Provenance.attachment(Provenance.image(build())));
  }

  @Test
  void signedSbomAndProvenanceVerifyWithOpensslAndTamperingIsRefused() throws Exception {
    Artifact subject = subject();
    Artifact attested = new Attestor(Optional.of(KeySigner.fromPem(key, ""))).attest(subject, REPO);

    assertThat(attested.digest()).isEqualTo(subject.digest());
    assertThat(attested.attachments()).extracting(Attachment::name).containsExactly("sbom", "att");
    Attachment att = attested.attachments().get(1);
    assertThat(att.tag(subject.digest())).isEqualTo("sha256-" + subject.digest().hex() + ".att");
    List<Attachment.Part> parts = att.parts();
    assertThat(parts).hasSize(2);
    assertThat(parts)
        .extracting(p -> p.annotations().get(Attestor.PREDICATE_TYPE))
        .containsExactly(Attestor.SPDX, Provenance.PREDICATE_TYPE);
    assertThat(att.image().layers()).hasSize(2);
    for (Attachment.Part part : parts) {
      assertThat(part.mediaType().value()).isEqualTo("application/vnd.dsse.envelope.v1+json");
      assertThat(part.annotations()).containsEntry(Attestor.SIGNATURE, "");
      JsonNode envelope = JSON.readTree(part.content());
      assertThat(envelope.get("payloadType").asText()).isEqualTo("application/vnd.in-toto+json");
      byte[] payload = Base64.getDecoder().decode(envelope.get("payload").asText());
      byte[] sig = Base64.getDecoder().decode(envelope.at("/signatures/0/sig").asText());

      assertThat(opensslVerifies(pub, pae(payload), sig)).as("openssl, right key").isTrue();
      assertThat(opensslVerifies(otherPub, pae(payload), sig)).as("another key").isFalse();
      byte[] tampered = payload.clone();
      tampered[tampered.length / 2] ^= 1;
      assertThat(opensslVerifies(pub, pae(tampered), sig)).as("tampered payload").isFalse();
      assertThat(opensslVerifies(pub, payload, sig)).as("payload without PAE").isFalse();

      assertThat(JsonSchemas.inTotoStatementV1(payload)).isEmpty();
      JsonNode statement = JSON.readTree(payload);
      assertThat(statement.at("/subject/0/name").asText()).isEqualTo(REPO);
      assertThat(statement.at("/subject/0/digest/sha256").asText())
          .isEqualTo(subject.digest().hex());
    }
    JsonNode sbomStatement = statementOf(parts.get(0));
    assertThat(JSON.writeValueAsBytes(sbomStatement.get("predicate")))
        .isEqualTo(JSON.writeValueAsBytes(JSON.readTree(SPDX)));
  }

  @Test
  void provenanceFollowsSlsaV1AndRecordsOnlyTheGoEnvironment() throws Exception {
    byte[] predicate = Provenance.image(build());
    assertThat(JsonSchemas.slsaProvenanceV1(predicate)).isEmpty();
    JsonNode p = JSON.readTree(predicate);
    assertThat(p.at("/buildDefinition/internalParameters/goBuild/env").toString())
        .isEqualTo("{\"CGO_ENABLED\":\"0\",\"GOARCH\":\"arm\",\"GOARM\":\"7\",\"GOOS\":\"linux\"}");
    assertThat(p.toString()).doesNotContain("hunter2").doesNotContain("/root");
    assertThat(p.at("/buildDefinition/internalParameters/goBuild/command").toString())
        .isEqualTo("[\"go\",\"build\",\"-trimpath\",\"-ldflags=-s -w\",\"example.com/app\"]");
    assertThat(p.at("/runDetails/builder/version/ko-jvm").asText()).isEqualTo("1.2.3");
    assertThat(p.at("/runDetails/metadata/startedOn").asText()).isEqualTo("2026-12-03T10:00:00Z");
    JsonNode deps = p.at("/buildDefinition/resolvedDependencies");
    assertThat(deps.get(0).at("/digest/gitCommit").asText())
        .isEqualTo("0123456789abcdef0123456789abcdef01234567");
    assertThat(deps.get(0).at("/annotations/dirty").asBoolean()).isTrue();
    assertThat(deps.get(1).at("/digest/sha256").asText())
        .isEqualTo(Digest.of(new byte[] {1}).hex());
    assertThat(deps.get(2).get("uri").asText()).isEqualTo("pkg:golang/golang.org/x/text@v0.3.7");
    // base64 -d of the h1: sum, as xxd prints it.
    assertThat(deps.get(2).at("/digest/dirHash").asText())
        .isEqualTo("a25a70bcfd8a69c5b5656bec47bb90868c9362f280ba97d0ad118114cdf9d869");

    byte[] index =
        Provenance.index(
            "1.2.3",
            "ko://example.com/app",
            Optional.empty(),
            "b",
            Digest.of(new byte[0]),
            new java.util.TreeMap<>(Map.of("linux/amd64", Digest.of(new byte[] {2}))),
            Instant.EPOCH,
            Instant.EPOCH);
    assertThat(JsonSchemas.slsaProvenanceV1(index)).isEmpty();
  }

  @Test
  void withoutAKeyOnlyTheProvenanceIsAttachedAsABareStatement() throws Exception {
    Artifact subject = subject();
    Artifact attested = new Attestor(Optional.empty()).attest(subject, REPO);
    assertThat(attested.attachments()).extracting(Attachment::name).containsExactly("sbom", "att");
    List<Attachment.Part> parts = attested.attachments().get(1).parts();
    assertThat(parts).hasSize(1);
    assertThat(parts.get(0).mediaType().value()).isEqualTo("application/vnd.in-toto+json");
    assertThat(parts.get(0).annotations())
        .isEqualTo(Map.of(Attestor.PREDICATE_TYPE, Provenance.PREDICATE_TYPE));
    assertThat(JsonSchemas.inTotoStatementV1(parts.get(0).content())).isEmpty();
    assertThat(
            JsonSchemas.slsaProvenanceV1(
                JSON.writeValueAsBytes(JSON.readTree(parts.get(0).content()).get("predicate"))))
        .isEmpty();
  }

  @Test
  void nothingToAttestLeavesTheArtifactAsItIs() throws Exception {
    Image image = new Attachment("x", new MediaType("text/plain"), new byte[] {42}).image();
    Artifact withSbom =
        image.withAttachment(new Attachment("sbom", new MediaType("text/spdx+json"), SPDX));
    assertThat(new Attestor(Optional.empty()).attest(withSbom, REPO)).isSameAs(withSbom);
  }

  @Test
  void paeIsTheSpecifiedEncoding() {
    assertThat(
            new String(
                Dsse.pae(
                    "http://example.com/HelloWorld",
                    "hello world".getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8))
        .isEqualTo("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  }

  @Test
  void credentialsAreCutFromRemotes() {
    assertThat(GitSource.withoutCredentials("https://user:tok@github.com/o/r.git"))
        .isEqualTo("https://github.com/o/r.git");
    assertThat(GitSource.withoutCredentials("https://tok@github.com:8443/o/r"))
        .isEqualTo("https://github.com:8443/o/r");
    assertThat(GitSource.withoutCredentials("git@github.com:o/r.git"))
        .isEqualTo("git@github.com:o/r.git");
    assertThat(GitSource.withoutCredentials("https://github.com/o/r"))
        .isEqualTo("https://github.com/o/r");
  }

  private static JsonNode statementOf(Attachment.Part part) throws IOException {
    JsonNode envelope = JSON.readTree(part.content());
    return JSON.readTree(Base64.getDecoder().decode(envelope.get("payload").asText()));
  }

  private static byte[] pae(byte[] payload) {
    byte[] type = "application/vnd.in-toto+json".getBytes(StandardCharsets.UTF_8);
    String head = "DSSEv1 " + type.length + " application/vnd.in-toto+json " + payload.length + " ";
    byte[] h = head.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[h.length + payload.length];
    System.arraycopy(h, 0, out, 0, h.length);
    System.arraycopy(payload, 0, out, h.length, payload.length);
    return out;
  }

  private boolean opensslVerifies(Path publicKey, byte[] data, byte[] sig) throws Exception {
    Path d = Files.createTempFile(tmp, "data", ".bin");
    Path s = Files.createTempFile(tmp, "sig", ".der");
    Files.write(d, data);
    Files.write(s, sig);
    Process p =
        new ProcessBuilder(
                "openssl",
                "dgst",
                "-sha256",
                "-verify",
                publicKey.toString(),
                "-signature",
                s.toString(),
                d.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int exit = p.waitFor();
    assertThat(out).containsAnyOf("Verified OK", "Verification failure");
    return exit == 0 && out.contains("Verified OK");
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
  }
}
