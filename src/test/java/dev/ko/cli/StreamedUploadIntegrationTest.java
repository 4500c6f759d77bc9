package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.testing.FaultProxy;
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
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code KO_STREAM_UPLOADS=1}: a new layer is streamed into its repository while it is written
 * (POST, chunked PATCH, PUT of the digest) and the publisher does not upload it again. Checked
 * against the real registry's request log, with skopeo reading every blob back, and against a build
 * without streaming, which must give the same image digest. Through {@link FaultProxy}, a broken
 * stream falls back to the usual upload and the image is still whole.
 */
@Tag("integration")
class StreamedUploadIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final TestBed bed = TestBed.plain();
  private final String run = Long.toHexString(System.nanoTime());

  @TempDir Path tmp;

  /** A module whose app has 40 MB of (seeded) random kodata, the same bytes in every copy. */
  private Path bigApp(String name) throws Exception {
    Path module = tmp.resolve(name);
    Path kodata = module.resolve("cmd/big/kodata");
    Files.createDirectories(kodata);
    Files.writeString(module.resolve("go.mod"), "module example.com/big\n\ngo 1.19\n");
    Files.writeString(
        module.resolve("cmd/big/main.go"), "package main\n\nfunc main() { println(\"big\") }\n");
    byte[] data = new byte[40 << 20];
    new Random(13).nextBytes(data);
    Files.write(kodata.resolve("big.bin"), data);
    return module;
  }

  private KoRunner.Result build(Path module, String host, String repo, boolean stream) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", host + "/" + repo);
    env.put("KO_DEFAULTBASEIMAGE", bed.base().replace(bed.registry(), host));
    env.put("KOCACHE", tmp.resolve("cache-" + repo).toString());
    if (stream) {
      env.put("KO_STREAM_UPLOADS", "1");
    }
    return KoRunner.in(module, env).run("build", "-v", "./cmd/big");
  }

  /**
   * The manifest's bytes hash to the digest; skopeo copies the whole image (every blob, digests
   * checked); returns the manifest.
   */
  private JsonNode verify(String ref) throws Exception {
    assertThat(ref).matches("[^\n]+@sha256:[0-9a-f]{64}");
    String raw = bed.skopeoInspect(ref, "--raw");
    String digest = ref.substring(ref.indexOf('@') + 1);
    assertThat(
            "sha256:"
                + HexFormat.of()
                    .formatHex(
                        MessageDigest.getInstance("SHA-256")
                            .digest(raw.getBytes(StandardCharsets.UTF_8))))
        .isEqualTo(digest);
    Path dir = tmp.resolve("oci-" + digest.substring(7, 19) + "-" + System.nanoTime());
    Proc.Result r =
        Proc.run(
            Repo.root(),
            Map.of(),
            List.of("skopeo", "copy", "--src-tls-verify=false", "docker://" + ref, "oci:" + dir));
    assertThat(r.exit()).as("skopeo copy %s: %s", ref, r.stderr()).isZero();
    return JSON.readTree(raw);
  }

  private static List<String> layerDigests(JsonNode manifest) {
    List<String> out = new ArrayList<>();
    manifest.path("layers").forEach(l -> out.add(l.path("digest").asText()));
    return out;
  }

  private static long count(List<String> requests, String prefix, String contains) {
    return requests.stream().filter(r -> r.startsWith(prefix) && r.contains(contains)).count();
  }

  /** The repository path of {@code host/path@digest}. */
  private static String path(String ref) {
    return ref.substring(ref.indexOf('/') + 1, ref.indexOf('@'));
  }

  /** The finishing PUTs of uploads of {@code digest} (its {@code :} may be escaped). */
  private static long puts(List<String> requests, String repo, String digest) {
    String hex = digest.substring("sha256:".length());
    return requests.stream()
        .filter(r -> r.startsWith("PUT /v2/" + repo + "/blobs/uploads/"))
        .filter(r -> r.contains("digest=sha256%3A" + hex) || r.contains("digest=sha256:" + hex))
        .count();
  }

  @Test
  void aNewLayerIsStreamedOnceAndTheImageIsTheOneAnUnstreamedBuildGives() throws Exception {
    String streamedRepo = "stream-" + run + "-on";
    long mark = bed.logMark();
    KoRunner.Result streamed = build(bigApp("on"), bed.registry(), streamedRepo, true);
    assertThat(streamed.exit()).as(streamed.describe()).isZero();
    List<String> requests = bed.requestsSince(mark);
    KoRunner.Result plain = build(bigApp("off"), bed.registry(), "stream-" + run + "-off", false);
    assertThat(plain.exit()).as(plain.describe()).isZero();

    String ref = streamed.stdout().strip();
    String plainRef = plain.stdout().strip();
    assertThat(ref.substring(ref.indexOf('@')))
        .isEqualTo(plainRef.substring(plainRef.indexOf('@')));
    JsonNode manifest = verify(ref);
    verify(plainRef);

    List<String> layers = layerDigests(manifest);
    String binary = layers.get(layers.size() - 1);
    String kodata = layers.get(layers.size() - 2);
    assertThat(streamed.stderr()).contains("streamed blob: " + kodata, "streamed blob: " + binary);
    String repoPath = path(ref);
    String uploads = "/v2/" + repoPath;
    for (String layer : List.of(kodata, binary)) {
      // One finishing PUT (of the stream, with an empty body), no HEAD: the publisher skipped it.
      assertThat(puts(requests, repoPath, layer))
          .as("PUTs of %s in %s", layer, requests)
          .isEqualTo(1);
      assertThat(count(requests, "HEAD " + uploads + "/blobs/" + layer, ""))
          .as("HEADs of %s", layer)
          .isZero();
    }
    assertThat(count(requests, "PATCH " + uploads + "/blobs/uploads/", ""))
        .as("PATCHes in %s", requests)
        .isEqualTo(2);
    // The kodata blob the registry holds is the layer's bytes (skopeo checked the digest).
    assertThat(bed.blob(repoPath, kodata).length).isGreaterThan(40 << 20);
  }

  @Test
  void aBrokenStreamFallsBackToTheUsualUploadAndTheImageIsWhole() throws Exception {
    Path module = bigApp("faulty");
    try (FaultProxy proxy = FaultProxy.start(bed.registry(), 1.0, 14)) {
      proxy.onlyFaulting("PATCH"); // every stream breaks, in one of the proxy's ways
      for (int i = 0; i < 3; i++) {
        String repo = "stream-" + run + "-faulty-" + i;
        long mark = bed.logMark();
        KoRunner.Result r = build(module, proxy.host(), repo, true);
        assertThat(r.exit()).as(r.describe()).isZero();
        List<String> requests = bed.requestsSince(mark);
        String ref = r.stdout().strip().replace(proxy.host(), bed.registry());
        JsonNode manifest = verify(ref);
        assertThat(r.stderr()).doesNotContain("streamed blob:").contains("abandoned");
        List<String> layers = layerDigests(manifest);
        for (String layer : layers.subList(layers.size() - 2, layers.size())) {
          // Uploaded by the publisher from the file: a PUT with the digest, as ever.
          assertThat(puts(requests, path(ref), layer))
              .as("PUTs of %s in %s", layer, requests)
              .isEqualTo(1);
        }
      }
      assertThat(proxy.faultCount()).as("faults were injected").isGreaterThanOrEqualTo(6);
    }
    // And with random faults on every kind of request, builds still succeed and verify.
    try (FaultProxy proxy = FaultProxy.start(bed.registry(), 0.25, 15)) {
      for (int i = 0; i < 3; i++) {
        KoRunner.Result r = build(module, proxy.host(), "stream-" + run + "-flaky-" + i, true);
        assertThat(r.exit()).as(r.describe()).isZero();
        verify(r.stdout().strip().replace(proxy.host(), bed.registry()));
      }
      assertThat(proxy.faultCount()).as("faults were injected").isPositive();
    }
  }
}
