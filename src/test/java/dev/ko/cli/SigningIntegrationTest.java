package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.testing.KoRunner;
import dev.ko.testing.Proc;
import dev.ko.testing.TestBed;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --sign-key}: images pushed to the real registry with a cosign-layout signature, which
 * skopeo and curl fetch back and openssl verifies with the public key (cosign is not installable
 * here; openssl is an independent ECDSA implementation).
 */
@Tag("integration")
class SigningIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IMPORT_PATH = "example.com/app/cmd/app";

  private final TestBed bed = TestBed.plain();
  private final String run = Long.toHexString(System.nanoTime());

  @TempDir Path tmp;

  private static Path module(Path root) throws IOException {
    Path app = root.resolve("app");
    Files.createDirectories(app.resolve("cmd/app"));
    Files.writeString(app.resolve("go.mod"), "module example.com/app\n\ngo 1.19\n");
    Files.writeString(
        app.resolve("cmd/app/main.go"),
        "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"signed\") }\n");
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

  /** A P-256 key pair made by openssl: {@code <name>.pem} (PKCS#8) and {@code <name>.pub}. */
  private Path keyPair(String name) throws IOException {
    Path key = tmp.resolve(name + ".pem");
    check(
        "openssl",
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        key.toString());
    check(
        "openssl",
        "pkey",
        "-in",
        key.toString(),
        "-pubout",
        "-out",
        tmp.resolve(name + ".pub").toString());
    return key;
  }

  private Proc.Result check(String... cmd) throws IOException {
    Proc.Result r = Proc.run(tmp, Map.of(), List.of(cmd));
    assertThat(r.exit()).as(String.join(" ", cmd) + ": " + r.stderr()).isZero();
    return r;
  }

  /** openssl's verdict on {@code signature} (DER) over {@code payload} with {@code pub}. */
  private Proc.Result verify(Path pub, byte[] payload, byte[] signature, String name)
      throws IOException {
    Path p = tmp.resolve(name + ".payload");
    Path s = tmp.resolve(name + ".sig");
    Files.write(p, payload);
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
            p.toString()));
  }

  @Test
  void twoPlatformBuildSignsTheIndexAndOpensslVerifiesTheSignature() throws Exception {
    Path key = keyPair("cosign");
    keyPair("other");
    Path app = module(tmp.resolve("src"));
    KoRunner.Result r =
        KoRunner.in(app, env("it-sign"))
            .run("build", "--platform=linux/amd64,linux/arm64", "--sign-key=" + key, "./cmd/app");
    assertThat(r.exit()).as(r.describe()).isZero();
    String ref = r.stdout().strip();
    String digest = ref.substring(ref.indexOf('@') + 1);
    String repo = repository("it-sign");
    String sigTag = digest.replace(':', '-') + ".sig";
    assertThat(bed.tags(repo)).contains("latest", sigTag, digest.replace(':', '-') + ".sbom");

    JsonNode manifest =
        JSON.readTree(bed.skopeoInspect(bed.registry() + "/" + repo + ":" + sigTag, "--raw"));
    assertThat(manifest.at("/layers").size()).isEqualTo(1);
    JsonNode layer = manifest.at("/layers/0");
    assertThat(layer.at("/mediaType").asText())
        .isEqualTo("application/vnd.dev.cosign.simplesigning.v1+json");
    byte[] payload = bed.blob(repo, layer.at("/digest").asText());
    JsonNode simple = JSON.readTree(payload);
    assertThat(simple.at("/critical/type").asText()).isEqualTo("cosign container image signature");
    assertThat(simple.at("/critical/image/docker-manifest-digest").asText()).isEqualTo(digest);
    assertThat(simple.at("/critical/identity/docker-reference").asText())
        .isEqualTo(bed.registry() + "/" + repo);
    byte[] signature =
        Base64.getDecoder()
            .decode(layer.at("/annotations/dev.cosignproject.cosign~1signature").asText());

    Proc.Result ok = verify(tmp.resolve("cosign.pub"), payload, signature, "good");
    assertThat(ok.exit()).as(ok.stdout() + ok.stderr()).isZero();
    assertThat(ok.stdout()).isEqualTo("Verified OK\n");

    byte[] tampered =
        new String(payload, StandardCharsets.UTF_8)
            .replace(digest, "sha256:" + "0".repeat(64))
            .getBytes(StandardCharsets.UTF_8);
    assertThat(verify(tmp.resolve("cosign.pub"), tampered, signature, "tampered").exit())
        .as("a tampered payload")
        .isNotZero();
    assertThat(verify(tmp.resolve("other.pub"), payload, signature, "other").exit())
        .as("another key")
        .isNotZero();
  }

  @Test
  void withoutASignKeyNothingIsSigned() throws Exception {
    Path app = module(tmp.resolve("src"));
    KoRunner.Result r =
        KoRunner.in(app, env("it-sign-none")).run("build", "--platform=linux/arm64", "./cmd/app");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(bed.tags(repository("it-sign-none"))).noneMatch(t -> t.endsWith(".sig"));
  }

  @Test
  void aFileThatIsNoKeyIsAOneLineErrorAndNothingIsPushed() throws Exception {
    Path app = module(tmp.resolve("src"));
    Path notAKey = tmp.resolve("not-a-key.pem");
    Files.writeString(notAKey, "hello\n");
    KoRunner.Result r =
        KoRunner.in(app, env("it-sign-bad"))
            .run("build", "--platform=linux/arm64", "--sign-key=" + notAKey, "./cmd/app");
    assertThat(r.exit()).as(r.describe()).isNotZero();
    assertThat(r.stderr().strip().lines().filter(l -> l.startsWith("Error:")).toList())
        .singleElement()
        .asString()
        .contains(notAKey.toString())
        .contains("PKCS#8");
    assertThat(bed.tags(repository("it-sign-bad"))).isEmpty();

    KoRunner.Result missing =
        KoRunner.in(app, env("it-sign-bad"))
            .run("build", "--platform=linux/arm64", "--sign-key=nowhere.pem", "./cmd/app");
    assertThat(missing.exit()).isNotZero();
    assertThat(missing.stderr()).contains("Error: --sign-key nowhere.pem: no such file");
  }

  private static String md5(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
