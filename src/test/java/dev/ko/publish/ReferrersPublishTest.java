package dev.ko.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.concurrent.TaskGroup;
import dev.ko.log.Log;
import dev.ko.oci.Attachment;
import dev.ko.oci.Digest;
import dev.ko.oci.Image;
import dev.ko.oci.MediaType;
import dev.ko.oci.ReferrersIndex;
import dev.ko.registry.HttpTransport;
import dev.ko.registry.Keychain;
import dev.ko.registry.NetworkSettings;
import dev.ko.registry.RegistryClient;
import dev.ko.registry.TrustStores;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --referrers} protocol edge cases against an in-process registry stub that has, or lacks,
 * the OCI 1.1 referrers API. (The real registry's side is in {@code ReferrersIntegrationTest}.)
 */
class ReferrersPublishTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType SIG_TYPE =
      new MediaType("application/vnd.dev.cosign.artifact.sig.v1+json");

  // One stub and one client for every test: the client's TLS probe of the plain stub (which never
  // answers one) is paid once. Each test pushes to its own repository.
  private static ReferrersStub stub;
  private static RegistryClient client;
  private static ExecutorService executor;

  @BeforeAll
  static void start() throws Exception {
    stub = new ReferrersStub();
    executor = Executors.newFixedThreadPool(8);
    client =
        new RegistryClient(
            new HttpTransport(
                HttpTransport.Engine.URL_CONNECTION,
                TrustStores::unverified,
                TrustStores::unverified),
            Keychain.ANONYMOUS,
            Log.NONE,
            RegistryClient.Options.of(
                "ko-test",
                new NetworkSettings(Duration.ZERO, Duration.ZERO, Duration.ofSeconds(30))));
  }

  @AfterAll
  static void stop() {
    stub.close();
    executor.shutdownNow();
  }

  /** A one-layer image with an SBOM and a signature-like attachment. */
  private static Image image(String seed) {
    Image image =
        new Attachment(
                "app",
                new MediaType("application/vnd.oci.image.layer.v1.tar"),
                seed.getBytes(StandardCharsets.UTF_8))
            .image();
    return image
        .withAttachment(
            new Attachment(
                "sbom", new MediaType("text/spdx+json"), "{\"sbom\":1}".getBytes(UTF_8())))
        .withAttachment(
            new Attachment(
                    "sig",
                    new MediaType("application/vnd.dev.cosign.simplesigning.v1+json"),
                    "{\"payload\":1}".getBytes(UTF_8()),
                    Map.of("dev.cosignproject.cosign/signature", "c2ln"))
                .withArtifactType(SIG_TYPE)
                .withReferrerAnnotations(Map.of("org.example.kind", "signature")));
  }

  private static java.nio.charset.Charset UTF_8() {
    return StandardCharsets.UTF_8;
  }

  private static String publish(String repo, Image image, Referrers mode) throws IOException {
    RegistryPublisher publisher =
        new RegistryPublisher(
            client,
            stub.host() + "/" + repo,
            Namer.select(false, false, true),
            List.of("latest"),
            false,
            false,
            Optional.empty(),
            4,
            Optional.empty(),
            mode,
            Log.NONE);
    TaskGroup tasks = new TaskGroup(executor);
    return tasks.join(publisher.publish(image, "ko://example.com/app", tasks));
  }

  private static JsonNode json(ReferrersStub.Stored s) {
    return s.json();
  }

  @Test
  void autoUsesTheReferrersApiWhenThePutIsAnsweredWithOciSubject() throws Exception {
    stub.referrersApi(true);
    Image image = image("auto-api");
    String ref = publish("auto-api", image, Referrers.AUTO);
    assertThat(ref).endsWith("@" + image.digest());

    JsonNode listed = JSON.readTree(stub.referrers("auto-api", image.digest().toString()));
    assertThat(listed.at("/manifests").size()).isEqualTo(2);
    assertThat(listed.findValuesAsText("artifactType"))
        .containsExactlyInAnyOrder("text/spdx+json", SIG_TYPE.value());
    for (JsonNode d : listed.at("/manifests")) {
      JsonNode m = json(stub.manifest("auto-api", d.at("/digest").asText()));
      assertThat(m.at("/subject/digest").asText()).isEqualTo(image.digest().toString());
      assertThat(m.at("/subject/mediaType").asText()).isEqualTo(MediaType.OCI_MANIFEST.value());
      assertThat(m.at("/subject/size").asLong()).isEqualTo(image.size());
      assertThat(m.at("/config/mediaType").asText()).isEqualTo("application/vnd.oci.empty.v1+json");
      assertThat(m.at("/config/digest").asText())
          .isEqualTo("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
      assertThat(m.at("/layers").size()).isEqualTo(1);
    }
    assertThat(stub.manifest("auto-api", ReferrersIndex.tag(image.digest())))
        .as("no referrers tag when the registry lists them itself")
        .isNull();
    assertThat(stub.lines())
        .as("no cosign tags either")
        .noneMatch(l -> l.contains("/auto-api/manifests/sha256-"));
    // The referrers exist before the image's tag moves.
    List<String> puts =
        stub.lines().stream().filter(l -> l.startsWith("PUT /v2/auto-api/m")).toList();
    assertThat(puts.get(puts.size() - 1)).isEqualTo("PUT /v2/auto-api/manifests/latest");
  }

  @Test
  void autoFallsBackToTheReferrersTagWithoutTheApi() throws Exception {
    stub.referrersApi(false);
    Image image = image("auto-tag");
    publish("auto-tag", image, Referrers.AUTO);

    String tag = "sha256-" + image.digest().hex();
    ReferrersStub.Stored index = stub.manifest("auto-tag", tag);
    assertThat(index.mediaType()).isEqualTo(MediaType.OCI_INDEX.value());
    JsonNode list = json(index);
    assertThat(list.at("/mediaType").asText()).isEqualTo(MediaType.OCI_INDEX.value());
    assertThat(list.at("/manifests").size()).isEqualTo(2);
    JsonNode sig = null;
    for (JsonNode d : list.at("/manifests")) {
      ReferrersStub.Stored m = stub.manifest("auto-tag", d.at("/digest").asText());
      assertThat(m).as("each listed referrer was pushed by digest").isNotNull();
      assertThat(d.at("/size").asLong()).isEqualTo(m.bytes().length);
      assertThat(d.at("/artifactType").asText()).isEqualTo(m.json().at("/artifactType").asText());
      if (d.at("/artifactType").asText().equals(SIG_TYPE.value())) {
        sig = d;
      }
    }
    assertThat(sig).isNotNull();
    assertThat(sig.at("/annotations/org.example.kind").asText())
        .as("the manifest's annotations are copied to its entry")
        .isEqualTo("signature");
  }

  @Test
  void theReferrersTagKeepsOtherEntriesAndGetsNoDuplicates() throws Exception {
    stub.referrersApi(false);
    Image image = image("keep");
    String tag = ReferrersIndex.tag(image.digest());
    String foreign =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
            + "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"size\":7,\"digest\":\"sha256:"
            + "a".repeat(64)
            + "\",\"annotations\":{\"org.example\":\"other tool\"},"
            + "\"artifactType\":\"application/vnd.example.thing\"}]}";
    stub.put("keep", tag, MediaType.OCI_INDEX.value(), foreign.getBytes(StandardCharsets.UTF_8));

    publish("keep", image, Referrers.TAG);
    JsonNode list = json(stub.manifest("keep", tag));
    assertThat(list.at("/manifests").size()).isEqualTo(3);
    assertThat(list.at("/manifests/0/digest").asText()).isEqualTo("sha256:" + "a".repeat(64));
    assertThat(list.at("/manifests/0/annotations/org.example").asText()).isEqualTo("other tool");
    assertThat(list.at("/manifests/0/artifactType").asText())
        .isEqualTo("application/vnd.example.thing");
    byte[] first = stub.manifest("keep", tag).bytes();

    int before = stub.lines().size();
    publish("keep", image, Referrers.TAG);
    List<String> again = stub.lines().subList(before, stub.lines().size());
    assertThat(again).as("the index is read again").contains("GET /v2/keep/manifests/" + tag);
    assertThat(again)
        .as("but not written: it lists both already")
        .doesNotContain("PUT /v2/keep/manifests/" + tag);
    assertThat(stub.manifest("keep", tag).bytes()).isEqualTo(first);
  }

  @Test
  void tagModeWritesTheReferrersTagEvenWhenTheRegistryHasTheApi() throws Exception {
    stub.referrersApi(true);
    Image image = image("tag-mode");
    publish("tag-mode", image, Referrers.TAG);
    assertThat(json(stub.manifest("tag-mode", ReferrersIndex.tag(image.digest()))).at("/manifests"))
        .hasSize(2);
  }

  @Test
  void apiModeFailsWithoutTheApiAndMovesNoTag() {
    stub.referrersApi(false);
    Image image = image("api-missing");
    assertThatThrownBy(() -> publish("api-missing", image, Referrers.API))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("without OCI-Subject")
        .hasMessageContaining("use --referrers=auto or tag")
        .hasMessageNotContaining("\n");
    assertThat(stub.manifest("api-missing", "latest")).isNull();
    assertThat(stub.manifest("api-missing", ReferrersIndex.tag(image.digest()))).isNull();
  }

  @Test
  void apiModeWithTheApiWritesNoTag() throws Exception {
    stub.referrersApi(true);
    Image image = image("api-ok");
    publish("api-ok", image, Referrers.API);
    assertThat(JSON.readTree(stub.referrers("api-ok", image.digest().toString())).at("/manifests"))
        .hasSize(2);
    assertThat(stub.manifest("api-ok", ReferrersIndex.tag(image.digest()))).isNull();
    assertThat(stub.manifest("api-ok", "latest")).isNotNull();
  }

  @Test
  void aReferrersTagThatIsNotAnIndexIsLeftAloneAndFailsThePush() {
    stub.referrersApi(false);
    Image image = image("not-index");
    String tag = ReferrersIndex.tag(image.digest());
    Image squatter = image("squatter");
    stub.put("not-index", tag, MediaType.OCI_MANIFEST.value(), squatter.rawManifest());
    assertThatThrownBy(() -> publish("not-index", image, Referrers.AUTO))
        .hasMessageContaining("referrers tag " + stub.host() + "/not-index:" + tag)
        .hasMessageContaining("not an OCI image index");
    assertThat(stub.manifest("not-index", tag).bytes()).isEqualTo(squatter.rawManifest());
    assertThat(stub.manifest("not-index", "latest")).isNull();
  }

  @Test
  void cosignTagsStayTheDefaultLayout() throws IOException {
    stub.referrersApi(true);
    Image image = image("cosign");
    publish("cosign", image, Referrers.COSIGN_TAGS);
    Digest d = image.digest();
    assertThat(stub.manifest("cosign", "sha256-" + d.hex() + ".sbom")).isNotNull();
    assertThat(stub.manifest("cosign", "sha256-" + d.hex() + ".sig")).isNotNull();
    assertThat(stub.manifest("cosign", "sha256-" + d.hex())).isNull();
    assertThat(stub.referrers("cosign", d.toString()))
        .asString(StandardCharsets.UTF_8)
        .contains("\"manifests\":[]");
  }

  @Test
  void aBaseSbomReferrerIsFoundThroughTheReferrersApi() throws Exception {
    stub.referrersApi(true);
    byte[] spdx =
        "{\"documentNamespace\":\"https://example.com/base\",\"documentDescribes\":[\"SPDXRef-Package-x\"]}"
            .getBytes(UTF_8());
    Image image =
        new Attachment("app", new MediaType("application/vnd.oci.image.layer.v1.tar"), spdx)
            .image()
            .withAttachment(new Attachment("sbom", new MediaType("text/spdx+json"), spdx));
    publish("base-api", image, Referrers.API);
    dev.ko.name.Repository repo = dev.ko.name.Repository.parse(stub.host() + "/base-api", true);
    java.util.List<MediaType> types =
        dev.ko.sbom.BaseSbom.mediaTypes(dev.ko.sbom.SbomOptions.Format.SPDX);
    dev.ko.sbom.BaseSbom found =
        new dev.ko.build.RegistryBaseSboms(client, true)
            .find(repo, image.digest(), types)
            .orElseThrow();
    assertThat(found.spdxNamespace()).isEqualTo("https://example.com/base");
    assertThat(found.spdxDescribes()).isEqualTo("SPDXRef-Package-x");
    assertThat(found.document()).isEqualTo(spdx);
    assertThat(found.location()).startsWith(stub.host() + "/base-api@sha256:");
    assertThat(stub.lines())
        .contains("GET /v2/base-api/referrers/" + image.digest())
        .noneMatch(
            l -> l.equals("GET /v2/base-api/manifests/" + ReferrersIndex.tag(image.digest())));
    // Without referrers only cosign's tag is looked at, which this base does not have.
    assertThat(new dev.ko.build.RegistryBaseSboms(client, false).find(repo, image.digest(), types))
        .isEmpty();
  }
}
