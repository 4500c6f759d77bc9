package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ko.testing.KoRunner;
import dev.ko.testing.Repo;
import dev.ko.testing.TestBed;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The order of a registry push against the real registry: blobs and manifests by digest first, then
 * the SBOM tags, then the image's tags, so a failure moves no tag; and foreign layers, which the
 * registry never holds, left alone.
 */
@Tag("integration")
class RegistryPushIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IMPORT_PATH = "example.com/hello/cmd/hello";

  private final TestBed bed = TestBed.plain();
  private final String run = Long.toHexString(System.nanoTime());
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path tmp;

  private Map<String, String> env(String repo, String base) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/" + repo + "-" + run);
    env.put("KO_DEFAULTBASEIMAGE", base);
    env.put("KOCACHE", tmp.resolve("cache").toString());
    return env;
  }

  private String repository(String repo) throws Exception {
    return repo + "-" + run + "/hello-" + md5(IMPORT_PATH);
  }

  @Test
  void attachmentsAreTaggedAfterTheImageExistsAndBeforeItsTags() throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    long mark = bed.logMark();
    KoRunner.Result r =
        KoRunner.in(module, env("push-order", bed.base()))
            .run("build", "-t", "v1,v2", "./cmd/hello");
    assertThat(r.exit()).as(r.describe()).isZero();
    List<String> requests = bed.requestsSince(mark);
    String digest = r.stdout().strip().substring(r.stdout().indexOf('@') + 1);
    String manifests = "PUT /v2/" + repository("push-order") + "/manifests/";

    int byDigest = indexOf(requests, manifests + digest);
    int sbom = indexOf(requests, manifests + digest.replace(':', '-') + ".sbom");
    int v1 = indexOf(requests, manifests + "v1");
    int v2 = indexOf(requests, manifests + "v2");
    assertThat(byDigest).as("image by digest; requests %s", requests).isGreaterThanOrEqualTo(0);
    assertThat(sbom).as("the SBOM is tagged once the image exists").isGreaterThan(byDigest);
    assertThat(v1).as("the image's tags come last").isGreaterThan(sbom);
    assertThat(v2).as("first tag first").isGreaterThan(v1);
    int lastBlob = -1;
    for (int i = 0; i < requests.size(); i++) {
      if (requests.get(i).startsWith("PUT ") && requests.get(i).contains("/blobs/uploads/")) {
        lastBlob = i;
      }
    }
    assertThat(lastBlob)
        .as("every blob, the SBOM's included, before any manifest")
        .isLessThan(byDigest);
  }

  @Test
  void aFailedSbomPushMovesNoTag() throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    Map<String, String> env = env("push-atomic", bed.base());
    KoRunner.Result before = KoRunner.in(module, env).run("build", "./cmd/hello");
    assertThat(before.exit()).as(before.describe()).isZero();
    String repo = repository("push-atomic");
    String tagged = manifestDigest(repo, "latest");

    Path main = module.resolve("cmd/hello/main.go");
    Files.writeString(
        main,
        Files.readString(main).replace("Hello from ko-jvm!", "Hello (" + run + ") from ko-jvm!"));
    Map<String, String> broken = new HashMap<>(env);
    broken.put("COSIGN_REPOSITORY", "127.0.0.1:" + closedPort() + "/sboms");
    KoRunner.Result after = KoRunner.in(module, broken).run("build", "./cmd/hello");

    assertThat(after.exit()).as(after.describe()).isEqualTo(1);
    assertThat(after.stdout()).isEmpty();
    assertThat(after.stderr()).contains("Error: failed to publish images: ").contains("127.0.0.1:");
    assertThat(manifestDigest(repo, "latest"))
        .as("latest still names the earlier image")
        .isEqualTo(tagged);
    assertThat(bed.tags(repo)).as("no new SBOM tag either").hasSize(2);
  }

  /**
   * A Windows-like base whose first layer is foreign: it has URLs, and the registry has no blob for
   * it.
   */
  @ParameterizedTest(name = "{2}")
  @CsvSource({
    "distroless/static, TESTBED_BASE_AMD64_DIGEST,"
        + " application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "distroless-docker/static, TESTBED_BASE_DOCKER_AMD64_DIGEST,"
        + " application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  })
  void foreignLayersAreNeitherMountedNorUploaded(String from, String digestKey, String foreignType)
      throws Exception {
    String base = foreignBase(from, bed.get(digestKey), foreignType);
    long mark = bed.logMark();
    KoRunner.Result r =
        KoRunner.in(Repo.copyExample(tmp.resolve("example")), env("push-foreign", base))
            .run("build", "--sbom=none", "./cmd/hello");
    assertThat(r.exit()).as(r.describe()).isZero();
    List<String> requests = bed.requestsSince(mark);

    JsonNode manifest = JSON.readTree(bed.skopeoInspect(r.stdout().strip(), "--raw"));
    JsonNode foreign = manifest.at("/layers/0");
    assertThat(foreign.at("/mediaType").asText()).isEqualTo(foreignType);
    assertThat(foreign.at("/urls/0").asText())
        .as("the URLs are kept")
        .isEqualTo("https://example.invalid/layer.tar.gz");
    String hex = foreign.at("/digest").asText().substring(7);
    assertThat(requests)
        .as("nothing asks the registry about the foreign blob")
        .filteredOn(
            q ->
                q.contains("/blobs/")
                    && q.contains(hex)
                    && !q.contains("/" + foreignRepo(from) + "/"))
        .isEmpty();
    assertThat(manifest.at("/layers").size())
        .as("foreign + two base layers + kodata + binary")
        .isEqualTo(5);
  }

  // ---------------------------------------------------------------- helpers

  private String foreignRepo(String from) {
    return "foreign-" + run + "/" + from.replace('/', '-');
  }

  /**
   * Copies the base child {@code from@digest} to a repository of its own with a foreign layer in
   * front (config diff_ids and history to match), over the registry API; returns its reference.
   */
  private String foreignBase(String from, String digest, String foreignType) throws Exception {
    String target = foreignRepo(from);
    HttpResponse<byte[]> m =
        send(
            HttpRequest.newBuilder(url("/v2/" + from + "/manifests/" + digest))
                .header(
                    "Accept",
                    "application/vnd.oci.image.manifest.v1+json,"
                        + " application/vnd.docker.distribution.manifest.v2+json")
                .GET());
    ObjectNode manifest = (ObjectNode) JSON.readTree(m.body());
    String configDigest = manifest.at("/config/digest").asText();
    ObjectNode config = (ObjectNode) JSON.readTree(bed.blob(from, configDigest));
    for (JsonNode layer : manifest.at("/layers")) {
      String d = layer.at("/digest").asText();
      HttpResponse<byte[]> mount =
          send(
              HttpRequest.newBuilder(
                      url("/v2/" + target + "/blobs/uploads/?mount=" + d + "&from=" + from))
                  .POST(HttpRequest.BodyPublishers.noBody()));
      assertThat(mount.statusCode()).as("mount " + d).isEqualTo(201);
    }

    byte[] foreignBlob = ("not in any registry " + run).getBytes(StandardCharsets.UTF_8);
    ObjectNode foreign = JSON.createObjectNode();
    foreign.put("mediaType", foreignType);
    foreign.put("size", foreignBlob.length);
    foreign.put("digest", sha256(foreignBlob));
    foreign.putArray("urls").add("https://example.invalid/layer.tar.gz");
    ((ArrayNode) manifest.get("layers")).insert(0, foreign);
    ((ArrayNode) config.withObjectProperty("rootfs").get("diff_ids"))
        .insert(0, sha256(("diff " + run).getBytes(StandardCharsets.UTF_8)));
    if (config.get("history") instanceof ArrayNode history) {
      history.insert(0, JSON.createObjectNode().put("created_by", "foreign layer"));
    }

    byte[] configBytes = JSON.writeValueAsBytes(config);
    String newConfig = sha256(configBytes);
    HttpResponse<byte[]> start =
        send(
            HttpRequest.newBuilder(url("/v2/" + target + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()));
    String location = start.headers().firstValue("Location").orElseThrow();
    URI put = url("/v2/" + target + "/blobs/uploads/").resolve(location);
    put = URI.create(put + (put.getQuery() == null ? "?" : "&") + "digest=" + newConfig);
    assertThat(
            send(HttpRequest.newBuilder(put)
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(configBytes)))
                .statusCode())
        .isEqualTo(201);
    ObjectNode configDescriptor = (ObjectNode) manifest.get("config");
    configDescriptor.put("digest", newConfig);
    configDescriptor.put("size", configBytes.length);

    HttpResponse<byte[]> putManifest =
        send(
            HttpRequest.newBuilder(url("/v2/" + target + "/manifests/foreign"))
                .header("Content-Type", manifest.get("mediaType").asText())
                .PUT(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(manifest))));
    assertThat(putManifest.statusCode())
        .as(new String(putManifest.body(), StandardCharsets.UTF_8))
        .isEqualTo(201);
    return bed.registry() + "/" + target + ":foreign";
  }

  private URI url(String path) {
    return URI.create("http://" + bed.registry() + path);
  }

  private HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private String manifestDigest(String repo, String tag) throws Exception {
    HttpResponse<byte[]> r =
        send(
            HttpRequest.newBuilder(url("/v2/" + repo + "/manifests/" + tag))
                .header(
                    "Accept",
                    "application/vnd.oci.image.manifest.v1+json,"
                        + " application/vnd.oci.image.index.v1+json")
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
    return r.headers().firstValue("Docker-Content-Digest").orElse("");
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static int indexOf(List<String> requests, String line) {
    for (int i = 0; i < requests.size(); i++) {
      if (requests.get(i).equals(line)) {
        return i;
      }
    }
    return -1;
  }

  private static String sha256(byte[] bytes) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static String md5(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
