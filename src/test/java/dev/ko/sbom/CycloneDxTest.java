package dev.ko.sbom;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.log.Log;
import dev.ko.oci.BuiltIndex;
import dev.ko.oci.Digest;
import dev.ko.oci.GoTime;
import dev.ko.oci.Image;
import dev.ko.oci.MediaType;
import dev.ko.oci.Platform;
import dev.ko.testing.JsonSchemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cyclonedx.Version;
import org.cyclonedx.model.Bom;
import org.cyclonedx.parsers.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CycloneDX 1.6 documents: checked against the published schema (test resources) and by
 * cyclonedx-core-java's own validator and parser, and compared with our SPDX of the same image.
 */
public class CycloneDxTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void imageBomHasTheModulesWithPurlsAndHashesTheMainModuleGoAndTheBase() throws Exception {
    GoBuildInfo info = GoBuildInfo.fromVersionM(SpdxTest.koVersionM());
    Image image = SpdxTest.koImage();
    byte[] bom = CycloneDx.image("0.1.0", info, image);
    assertValid(bom);

    JsonNode doc = JSON.readTree(bom);
    assertThat(doc.at("/specVersion").asText()).isEqualTo("1.6");
    assertThat(doc.at("/serialNumber").asText())
        .isEqualTo(CycloneDx.serialNumber(image.digest().toString()))
        .matches("urn:uuid:[0-9a-f-]{36}");
    assertThat(doc.at("/metadata/timestamp").asText()).isEqualTo("2024-11-12T12:01:47Z");
    assertThat(doc.at("/metadata/tools/components/0/version").asText()).isEqualTo("0.1.0");
    assertThat(doc.at("/metadata/component/name").asText()).isEqualTo(image.digest().toString());
    assertThat(doc.at("/metadata/component/purl").asText())
        .isEqualTo(
            "pkg:oci/image@"
                + image.digest()
                + "?mediaType=application%2Fvnd.oci.image.manifest.v1%2Bjson");
    JsonNode base = doc.at("/metadata/component/pedigree/ancestors/0");
    assertThat(base.at("/version").asText()).isEqualTo("cgr.dev/chainguard/static:latest");
    assertThat(base.at("/purl").asText())
        .isEqualTo(
            "pkg:oci/image@sha256:decda8381dbd8765d4827218b79910355cde86a29a8b2bc7357b02a8f77f63dc"
                + "?repository_url=cgr.dev%2Fchainguard%2Fstatic&tag=latest");

    // The same modules, purls and hashes as the SPDX document of the same image.
    JsonNode spdx = JSON.readTree(Spdx.image("0.1.0", info, image));
    Map<String, String> spdxHashes = new java.util.TreeMap<>();
    spdx.at("/packages")
        .forEach(
            p -> {
              String purl = p.at("/externalRefs/0/referenceLocator").asText();
              if (purl.startsWith("pkg:golang/")) {
                spdxHashes.put(purl, p.at("/checksums/0/checksumValue").asText());
              }
            });
    Map<String, String> cdxHashes = new java.util.TreeMap<>();
    doc.at("/components")
        .forEach(
            c -> {
              if (!c.at("/name").asText().equals("stdlib")) {
                cdxHashes.put(c.at("/purl").asText(), c.at("/hashes/0/content").asText());
              }
            });
    assertThat(cdxHashes).isEqualTo(spdxHashes).hasSize(8);
    assertThat(doc.at("/components/0/type").asText()).isEqualTo("application");
    assertThat(doc.at("/components/0/version").asText()).isEqualTo("(devel)");
    JsonNode go = doc.at("/components/8");
    assertThat(go.at("/name").asText()).isEqualTo("stdlib");
    assertThat(go.at("/version").asText()).isEqualTo("go1.23.4");
    assertThat(go.at("/purl").asText()).isEqualTo("pkg:golang/stdlib@1.23.4");

    List<String> mainDeps = new ArrayList<>();
    doc.at("/dependencies/1/dependsOn").forEach(d -> mainDeps.add(d.asText()));
    assertThat(doc.at("/dependencies/1/ref").asText())
        .isEqualTo(doc.at("/components/0/bom-ref").asText());
    assertThat(mainDeps).hasSize(8).contains("pkg:golang/stdlib@1.23.4");

    // Deterministic: the same image gives the same bytes.
    assertThat(CycloneDx.image("0.1.0", info, image)).isEqualTo(bom);
  }

  @Test
  void indexBomListsEachChildWithItsPlatform() throws Exception {
    GoTime created = new GoTime(OffsetDateTime.of(2024, 5, 6, 7, 8, 9, 0, ZoneOffset.UTC));
    Image amd64 =
        new SpdxTest.FakeImage(
            Digest.of(new byte[] {3}), MediaType.OCI_MANIFEST, Map.of(), created);
    Image arm =
        new SpdxTest.FakeImage(
            Digest.of(new byte[] {4}), MediaType.OCI_MANIFEST, Map.of(), GoTime.ZERO);
    BuiltIndex index =
        SpdxTest.index(
            List.of(amd64, arm),
            List.of(Platform.of("linux", "amd64", ""), Platform.of("linux", "arm", "v7")),
            Map.of(
                "org.opencontainers.image.base.name",
                "registry.local:5000/base/static:nonroot",
                "org.opencontainers.image.base.digest",
                "sha256:" + "cd".repeat(32)));
    byte[] bom = CycloneDx.index("9.9", index);
    assertValid(bom);
    JsonNode doc = JSON.readTree(bom);
    assertThat(doc.at("/metadata/timestamp").asText()).isEqualTo("2024-05-06T07:08:09Z");
    assertThat(doc.at("/metadata/component/purl").asText()).startsWith("pkg:oci/index@");
    assertThat(doc.at("/components/1/version").asText()).isEqualTo("linux/arm/v7");
    assertThat(doc.at("/components/1/purl").asText())
        .isEqualTo(
            "pkg:oci/image@"
                + arm.digest()
                + "?arch=arm&mediaType=application%2Fvnd.oci.image.manifest.v1%2Bjson&os=linux"
                + "&variant=v7");
    assertThat(doc.at("/dependencies/0/dependsOn").toString())
        .contains(amd64.digest().toString())
        .contains(arm.digest().toString());
  }

  @Test
  void aGopathBuildAndOneWithoutAGoVersionAreValidToo() throws Exception {
    String versionM = "/x/app: go1.19.8\n\tpath\texample.com/gopath/app\n\tbuild\t-compiler=gc\n";
    byte[] bom = CycloneDx.image("v", GoBuildInfo.fromVersionM(versionM), SpdxTest.koImage());
    assertValid(bom);
    assertThat(JSON.readTree(bom).at("/components/0/purl").asText())
        .isEqualTo("pkg:golang/example.com/gopath/app");
    byte[] noGo =
        CycloneDx.image(
            "v",
            new GoBuildInfo(new GoModule("example.com/m", "v1.0.0", ""), List.of()),
            SpdxTest.koImage());
    assertValid(noGo);
    assertThat(JSON.readTree(noGo).at("/components").size()).isEqualTo(1);
  }

  @Test
  void attacherWritesCycloneDxFilesAndAttachesThemWithCosignsMediaType() throws Exception {
    SbomAttacher sboms =
        new SbomAttacher(SbomOptions.fromFlags("cyclonedx", "sboms", "v1"), tmp, Log.NONE);
    Image image = new dev.ko.oci.Attachment("x", MediaType.OCI_LAYER, new byte[] {1, 2, 3}).image();
    Image attached =
        sboms.attach(image, SpdxTest.koVersionM(), "app", Platform.of("linux", "amd64", ""));
    assertThat(attached.digest()).isEqualTo(image.digest());
    assertThat(attached.attachments()).hasSize(1);
    assertThat(attached.attachments().get(0).name()).isEqualTo("sbom");
    assertThat(attached.attachments().get(0).mediaType())
        .isEqualTo(new MediaType("application/vnd.cyclonedx+json"));
    Path file = tmp.resolve("sboms/app-linux-amd64.cyclonedx.json");
    assertThat(Files.readAllBytes(file)).isEqualTo(attached.attachments().get(0).content());
    assertValid(Files.readAllBytes(file));
  }

  @Test
  void theSchemaCheckRefusesWhatIsNotCycloneDx() throws Exception {
    byte[] bad =
        "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"serialNumber\":\"x\",\"bogus\":1}"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(JsonSchemas.cycloneDx16(bad)).hasSizeGreaterThanOrEqualTo(2);
  }

  /** The published schema and cyclonedx-core-java's validator both accept it; it parses. */
  public static void assertValid(byte[] bom) throws Exception {
    assertThat(JsonSchemas.cycloneDx16(bom))
        .as(new String(bom, java.nio.charset.StandardCharsets.UTF_8))
        .isEmpty();
    JsonParser parser = new JsonParser();
    assertThat(parser.validate(bom, Version.VERSION_16)).isEmpty();
    Bom parsed = parser.parse(bom);
    assertThat(parsed.getSpecVersion()).isEqualTo("1.6");
    assertThat(parsed.getMetadata().getComponent().getPurl()).startsWith("pkg:oci/");
  }
}
