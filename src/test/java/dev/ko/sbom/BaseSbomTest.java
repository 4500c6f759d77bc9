package dev.ko.sbom;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.oci.BuiltIndex;
import dev.ko.oci.Digest;
import dev.ko.oci.GoTime;
import dev.ko.oci.Image;
import dev.ko.oci.MediaType;
import dev.ko.oci.Platform;
import dev.ko.testing.SpdxValidator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our SBOMs referencing the base image's SBOM: SPDX external document refs, CycloneDX bom refs. */
class BaseSbomTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LOCATION = "cgr.dev/chainguard/static@sha256:" + "ab".repeat(32);

  /** A ko-written SBOM of the base (any SPDX document of ours will do). */
  private static byte[] baseSpdx() {
    Image base =
        new SpdxTest.FakeImage(
            Digest.parse("sha256:decda8381dbd8765d4827218b79910355cde86a29a8b2bc7357b02a8f77f63dc"),
            MediaType.OCI_MANIFEST,
            Map.of(),
            GoTime.ZERO);
    return Spdx.image("0.1.0", GoBuildInfo.fromVersionM(SpdxTest.koVersionM()), base);
  }

  /** An index of one child for {@code platform}, whose base index is {@code baseName}. */
  private static BuiltIndex indexOn(Platform platform, String baseName) {
    Image child =
        new SpdxTest.FakeImage(
            Digest.of(new byte[] {3}), MediaType.OCI_MANIFEST, Map.of(), GoTime.ZERO);
    return SpdxTest.index(
        List.of(child),
        List.of(platform),
        Map.of(
            "org.opencontainers.image.base.name",
            baseName,
            "org.opencontainers.image.base.digest",
            "sha256:" + "cd".repeat(32)));
  }

  private static BaseSbom spdxBase() {
    return BaseSbom.of(Spdx.MEDIA_TYPE, baseSpdx(), LOCATION).orElseThrow();
  }

  private static String sha1(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
  }

  @Test
  void readsTheNamespaceAndWhatAnSpdxDocumentDescribes() throws Exception {
    BaseSbom sbom = spdxBase();
    assertThat(sbom.spdxNamespace())
        .isEqualTo(
            "http://spdx.org/spdxdocs/ko/sha256:"
                + "decda8381dbd8765d4827218b79910355cde86a29a8b2bc7357b02a8f77f63dc");
    assertThat(sbom.spdxDescribes())
        .isEqualTo(
            "SPDXRef-Package-sha256-"
                + "decda8381dbd8765d4827218b79910355cde86a29a8b2bc7357b02a8f77f63dc");
    assertThat(sbom.sha1()).isEqualTo(sha1(baseSpdx()));
    assertThat(sbom.sha256()).isEqualTo(Digest.of(baseSpdx()).hex());
  }

  @Test
  void whatCannotBeReferencedIsNoBaseSbom() {
    byte[] noNamespace = "{\"spdxVersion\":\"SPDX-2.3\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(BaseSbom.of(Spdx.MEDIA_TYPE, noNamespace, LOCATION)).isEmpty();
    assertThat(BaseSbom.of(Spdx.MEDIA_TYPE, "not json".getBytes(StandardCharsets.UTF_8), LOCATION))
        .isEmpty();
    assertThat(BaseSbom.of(CycloneDx.MEDIA_TYPE, baseSpdx(), LOCATION)).isEmpty();
    assertThat(BaseSbom.of(new MediaType("text/plain"), baseSpdx(), LOCATION)).isEmpty();
    // An SPDX document that describes nothing: its document element is referenced.
    byte[] bare =
        "{\"documentNamespace\":\"https://example.com/x\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(BaseSbom.of(Spdx.MEDIA_TYPE, bare, LOCATION).orElseThrow().spdxDescribes())
        .isEqualTo("SPDXRef-DOCUMENT");
  }

  @Test
  void spdxImageSbomReferencesTheBaseDocumentAndDescendsFromWhatItDescribes(@TempDir Path dir)
      throws Exception {
    GoBuildInfo info = GoBuildInfo.fromVersionM(SpdxTest.koVersionM());
    Image image = SpdxTest.koImage();
    byte[] without = Spdx.image("0.1.0", info, image);
    byte[] with = Spdx.image("0.1.0", info, image, Optional.of(spdxBase()));
    JsonNode doc = JSON.readTree(with);
    JsonNode ref = doc.at("/externalDocumentRefs/0");
    assertThat(doc.at("/externalDocumentRefs").size()).isEqualTo(1);
    assertThat(ref.at("/externalDocumentId").asText()).isEqualTo("DocumentRef-base-image");
    assertThat(ref.at("/spdxDocument").asText()).isEqualTo(spdxBase().spdxNamespace());
    assertThat(ref.at("/checksum/algorithm").asText()).isEqualTo("SHA1");
    assertThat(ref.at("/checksum/checksumValue").asText()).isEqualTo(sha1(baseSpdx()));
    String imageId = "SPDXRef-Package-" + image.digest().toString().replace(':', '-');
    boolean found = false;
    for (JsonNode r : doc.at("/relationships")) {
      if (r.at("/relatedSpdxElement").asText().startsWith("DocumentRef-")) {
        assertThat(r.at("/spdxElementId").asText()).isEqualTo(imageId);
        assertThat(r.at("/relationshipType").asText()).isEqualTo("DESCENDANT_OF");
        assertThat(r.at("/relatedSpdxElement").asText())
            .isEqualTo("DocumentRef-base-image:" + spdxBase().spdxDescribes());
        found = true;
      }
    }
    assertThat(found).isTrue();
    // Everything else as without a base SBOM: the same packages, the local base package kept.
    JsonNode plain = JSON.readTree(without);
    assertThat(doc.at("/packages")).isEqualTo(plain.at("/packages"));
    assertThat(doc.at("/relationships").size()).isEqualTo(plain.at("/relationships").size() + 1);
    assertThat(plain.has("externalDocumentRefs")).isFalse();
    // Reproducible, and accepted by the SPDX validator.
    assertThat(Spdx.image("0.1.0", info, image, Optional.of(spdxBase()))).isEqualTo(with);
    Path file = dir.resolve("with-base.spdx.json");
    Files.write(file, with);
    assertThat(SpdxValidator.problems(file)).isEmpty();
  }

  @Test
  void spdxLeavesACycloneDxBaseSbomOutAndNoBaseSbomChangesNoByte() throws Exception {
    GoBuildInfo info = GoBuildInfo.fromVersionM(SpdxTest.koVersionM());
    Image image = SpdxTest.koImage();
    byte[] cdx = CycloneDx.image("0.1.0", info, image);
    BaseSbom cdxBase = BaseSbom.of(CycloneDx.MEDIA_TYPE, cdx, LOCATION).orElseThrow();
    byte[] plain = Spdx.image("0.1.0", info, image);
    assertThat(Spdx.image("0.1.0", info, image, Optional.of(cdxBase))).isEqualTo(plain);
    assertThat(Spdx.image("0.1.0", info, image, Optional.empty())).isEqualTo(plain);
    assertThat(CycloneDx.image("0.1.0", info, image, Optional.empty())).isEqualTo(cdx);
  }

  @Test
  void spdxIndexSbomReferencesTheBaseIndexDocument(@TempDir Path dir) throws Exception {
    BuiltIndex index =
        indexOn(Platform.of("linux", "arm64", "v8"), "cgr.dev/chainguard/static:latest");
    byte[] with = Spdx.index("v", index, Optional.of(spdxBase()));
    JsonNode doc = JSON.readTree(with);
    assertThat(doc.at("/externalDocumentRefs/0/checksum/checksumValue").asText())
        .isEqualTo(sha1(baseSpdx()));
    assertThat(doc.at("/relationships").toString())
        .contains("DocumentRef-base-image:" + spdxBase().spdxDescribes());
    Path file = dir.resolve("index.spdx.json");
    Files.write(file, with);
    assertThat(SpdxValidator.problems(file)).isEmpty();
  }

  @Test
  void cycloneDxBaseAncestorHasABomReferenceByDigestWithTheSbomsHash() throws Exception {
    GoBuildInfo info = GoBuildInfo.fromVersionM(SpdxTest.koVersionM());
    Image image = SpdxTest.koImage();
    for (BaseSbom base :
        List.of(
            spdxBase(),
            BaseSbom.of(CycloneDx.MEDIA_TYPE, CycloneDx.image("0", info, image), LOCATION)
                .orElseThrow())) {
      byte[] bom = CycloneDx.image("0.1.0", info, image, Optional.of(base));
      CycloneDxTest.assertValid(bom);
      JsonNode ancestor = JSON.readTree(bom).at("/metadata/component/pedigree/ancestors/0");
      assertThat(ancestor.at("/type").asText()).isEqualTo("container");
      assertThat(ancestor.at("/purl").asText())
          .startsWith(
              "pkg:oci/image@sha256:"
                  + "decda8381dbd8765d4827218b79910355cde86a29a8b2bc7357b02a8f77f63dc"
                  + "?repository_url=cgr.dev%2Fchainguard%2Fstatic");
      JsonNode ref = ancestor.at("/externalReferences/0");
      assertThat(ancestor.at("/externalReferences").size()).isEqualTo(1);
      assertThat(ref.at("/type").asText()).isEqualTo("bom");
      assertThat(ref.at("/url").asText()).isEqualTo("docker://" + LOCATION);
      assertThat(ref.at("/comment").asText()).contains(base.mediaType().value());
      assertThat(ref.at("/hashes/0/alg").asText()).isEqualTo("SHA-256");
      assertThat(ref.at("/hashes/0/content").asText()).isEqualTo(Digest.of(base.document()).hex());
      assertThat(CycloneDx.image("0.1.0", info, image, Optional.of(base))).isEqualTo(bom);
    }
  }

  @Test
  void cycloneDxIndexReferencesTheBaseIndexSbom() throws Exception {
    BuiltIndex index =
        indexOn(Platform.of("linux", "amd64", ""), "registry.local:5000/base/static:nonroot");
    byte[] bom = CycloneDx.index("9.9", index, Optional.of(spdxBase()));
    CycloneDxTest.assertValid(bom);
    assertThat(
            JSON.readTree(bom)
                .at("/metadata/component/pedigree/ancestors/0/externalReferences/0/url")
                .asText())
        .isEqualTo("docker://" + LOCATION);
    assertThat(CycloneDx.index("9.9", index))
        .isEqualTo(CycloneDx.index("9.9", index, Optional.empty()));
  }
}
