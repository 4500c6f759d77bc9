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
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
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
    return OpensslKeys.pair(tmp, name);
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

  /**
   * A cosign-format encrypted key: scrypt by Python's hashlib (an implementation independent of
   * ours), NaCl secretbox sealed here with Bouncy Castle's XSalsa20 and Poly1305 primitives
   * (python3-nacl is not installable on this machine), the PEM JSON written by hand as the format
   * describes.
   */
  private Path encryptedKey(Path pkcs8Pem, String password) throws Exception {
    Path der = tmp.resolve("key.der");
    // openssl pkey would write SEC1 DER for EC; cosign's plaintext is PKCS#8.
    check(
        "openssl",
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        pkcs8Pem.toString(),
        "-outform",
        "DER",
        "-out",
        der.toString());
    byte[] salt = new byte[32];
    byte[] nonce = new byte[24];
    SecureRandom random = new SecureRandom();
    random.nextBytes(salt);
    random.nextBytes(nonce);
    String hex =
        check(
                "python3",
                "-c",
                "import hashlib,sys;print(hashlib.scrypt(sys.argv[1].encode(),"
                    + "salt=bytes.fromhex(sys.argv[2]),n=32768,r=8,p=1,maxmem=64*1024*1024,"
                    + "dklen=32).hex())",
                password,
                HexFormat.of().formatHex(salt))
            .stdout()
            .strip();
    byte[] key = HexFormat.of().parseHex(hex);
    byte[] plain = Files.readAllBytes(der);
    XSalsa20Engine salsa = new XSalsa20Engine();
    salsa.init(true, new ParametersWithIV(new KeyParameter(key), nonce));
    byte[] stream0 = new byte[32];
    salsa.processBytes(new byte[32], 0, 32, stream0, 0);
    byte[] box = new byte[16 + plain.length];
    salsa.processBytes(plain, 0, plain.length, box, 16);
    Poly1305 mac = new Poly1305();
    mac.init(new KeyParameter(stream0));
    mac.update(box, 16, plain.length);
    mac.doFinal(box, 0);
    Base64.Encoder b64 = Base64.getEncoder();
    String json =
        "{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":32768,\"r\":8,\"p\":1},\"salt\":\""
            + b64.encodeToString(salt)
            + "\"},\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\""
            + b64.encodeToString(nonce)
            + "\"},\"ciphertext\":\""
            + b64.encodeToString(box)
            + "\"}";
    Path out = tmp.resolve("cosign-encrypted.key");
    Files.writeString(
        out,
        "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(json.getBytes(StandardCharsets.UTF_8))
            + "\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n");
    return out;
  }

  @Test
  void aCosignEncryptedKeyIsReadWithCosignPasswordAndAWrongOneIsAOneLineError() throws Exception {
    Path key = encryptedKey(keyPair("enc"), "s3cret pass");
    Path app = module(tmp.resolve("src"));
    Map<String, String> env = env("it-sign-enc");
    env.put("COSIGN_PASSWORD", "s3cret pass");
    KoRunner.Result r =
        KoRunner.in(app, env)
            .run("build", "--platform=linux/arm64", "--sign-key=" + key, "./cmd/app");
    assertThat(r.exit()).as(r.describe()).isZero();
    String ref = r.stdout().strip();
    String digest = ref.substring(ref.indexOf('@') + 1);
    String repo = repository("it-sign-enc");
    JsonNode manifest =
        JSON.readTree(
            bed.skopeoInspect(
                bed.registry() + "/" + repo + ":" + digest.replace(':', '-') + ".sig", "--raw"));
    JsonNode layer = manifest.at("/layers/0");
    byte[] payload = bed.blob(repo, layer.at("/digest").asText());
    byte[] signature =
        Base64.getDecoder()
            .decode(layer.at("/annotations/dev.cosignproject.cosign~1signature").asText());
    Proc.Result ok = verify(tmp.resolve("enc.pub"), payload, signature, "enc");
    assertThat(ok.stdout()).as(ok.stderr()).isEqualTo("Verified OK\n");

    Map<String, String> wrong = env("it-sign-enc-wrong");
    wrong.put("COSIGN_PASSWORD", "not it");
    KoRunner.Result bad =
        KoRunner.in(app, wrong)
            .run("build", "--platform=linux/arm64", "--sign-key=" + key, "./cmd/app");
    assertThat(bad.exit()).as(bad.describe()).isNotZero();
    assertThat(bad.stderr().lines().filter(l -> l.startsWith("Error:")).toList())
        .singleElement()
        .asString()
        .contains(key.toString())
        .contains("wrong password");
    assertThat(bad.stderr()).doesNotContain("not it");
    assertThat(bed.tags(repository("it-sign-enc-wrong"))).isEmpty();
  }

  private static String md5(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
