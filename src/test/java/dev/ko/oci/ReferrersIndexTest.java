package dev.ko.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReferrersIndexTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Descriptor entry(char c, String type) {
    return new Descriptor(
        MediaType.OCI_MANIFEST,
        10,
        Digest.parse("sha256:" + String.valueOf(c).repeat(64)),
        "",
        List.of(),
        new java.util.TreeMap<>(Map.of("k", String.valueOf(c))),
        null,
        type);
  }

  @Test
  void tagIsTheSpecsReferrersTagSchema() {
    assertThat(ReferrersIndex.tag(Digest.parse("sha256:" + "a".repeat(64))))
        .isEqualTo("sha256-" + "a".repeat(64));
  }

  @Test
  void aMissingTagStartsAnEmptyIndexAndEntriesAreAppendedOnce() throws Exception {
    byte[] first =
        ReferrersIndex.adding(
                Optional.empty(), Optional.empty(), List.of(entry('a', "t/a"), entry('a', "t/a")))
            .orElseThrow();
    JsonNode index = JSON.readTree(first);
    assertThat(index.at("/schemaVersion").asInt()).isEqualTo(2);
    assertThat(index.at("/mediaType").asText()).isEqualTo(MediaType.OCI_INDEX.value());
    assertThat(index.at("/manifests").size()).isEqualTo(1);
    assertThat(index.at("/manifests/0/artifactType").asText()).isEqualTo("t/a");
    assertThat(index.at("/manifests/0/annotations/k").asText()).isEqualTo("a");

    assertThat(
            ReferrersIndex.adding(
                Optional.of(MediaType.OCI_INDEX), Optional.of(first), List.of(entry('a', "t/a"))))
        .as("already listed: nothing to write")
        .isEmpty();
    JsonNode two =
        JSON.readTree(
            ReferrersIndex.adding(
                    Optional.of(MediaType.OCI_INDEX),
                    Optional.of(first),
                    List.of(entry('b', "t/b"), entry('a', "t/a")))
                .orElseThrow());
    assertThat(two.findValuesAsText("digest"))
        .containsExactly("sha256:" + "a".repeat(64), "sha256:" + "b".repeat(64));
  }

  @Test
  void theExistingIndexKeepsItsAnnotations() throws Exception {
    String existing =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
            + "\"manifests\":[],\"annotations\":{\"org.example\":\"kept\"}}";
    JsonNode out =
        JSON.readTree(
            ReferrersIndex.adding(
                    Optional.of(MediaType.OCI_INDEX),
                    Optional.of(existing.getBytes(StandardCharsets.UTF_8)),
                    List.of(entry('c', "t/c")))
                .orElseThrow());
    assertThat(out.at("/annotations/org.example").asText()).isEqualTo("kept");
    assertThat(out.at("/manifests").size()).isEqualTo(1);
  }

  @Test
  void somethingOtherThanAnOciIndexIsRefused() {
    assertThatThrownBy(
            () ->
                ReferrersIndex.adding(
                    Optional.of(MediaType.DOCKER_MANIFEST_LIST),
                    Optional.of(
                        "{\"schemaVersion\":2,\"manifests\":[]}".getBytes(StandardCharsets.UTF_8)),
                    List.of(entry('a', "t/a"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an OCI image index");
  }

  @Test
  void aReferrerManifestHasSubjectArtifactTypeAndTheEmptyConfig() throws Exception {
    Attachment sbom =
        new Attachment(
                "sbom", new MediaType("text/spdx+json"), "{}".getBytes(StandardCharsets.UTF_8))
            .withReferrerAnnotations(Map.of("org.example", "x"));
    Descriptor subject =
        Descriptor.of(MediaType.OCI_INDEX, 123, Digest.parse("sha256:" + "d".repeat(64)));
    Referrer r = sbom.referrer(subject);
    JsonNode m = JSON.readTree(r.rawManifest());
    assertThat(m.at("/mediaType").asText()).isEqualTo(MediaType.OCI_MANIFEST.value());
    assertThat(m.at("/artifactType").asText()).isEqualTo("text/spdx+json");
    assertThat(m.at("/config/mediaType").asText()).isEqualTo("application/vnd.oci.empty.v1+json");
    assertThat(m.at("/config/size").asInt()).isEqualTo(2);
    assertThat(m.at("/config/digest").asText())
        .isEqualTo("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    assertThat(m.at("/layers/0/mediaType").asText()).isEqualTo("text/spdx+json");
    assertThat(m.at("/subject/mediaType").asText()).isEqualTo(MediaType.OCI_INDEX.value());
    assertThat(m.at("/subject/size").asInt()).isEqualTo(123);
    assertThat(m.at("/annotations/org.example").asText()).isEqualTo("x");
    assertThat(r.descriptor().artifactType()).isEqualTo("text/spdx+json");
    assertThat(r.descriptor().annotations()).containsEntry("org.example", "x");
    assertThat(r.descriptor().size()).isEqualTo(r.rawManifest().length);
    assertThat(r.digest()).isEqualTo(Digest.of(r.rawManifest()));
    assertThat(sbom.image().rawManifest())
        .as("the cosign-tag image does not change")
        .isEqualTo(
            new Attachment(
                    "sbom", new MediaType("text/spdx+json"), "{}".getBytes(StandardCharsets.UTF_8))
                .image()
                .rawManifest());
  }
}
