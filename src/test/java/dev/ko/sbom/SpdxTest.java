package dev.ko.sbom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.oci.Attachment;
import dev.ko.oci.BuiltIndex;
import dev.ko.oci.ConfigFile;
import dev.ko.oci.Content;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.GoTime;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.IndexManifest;
import dev.ko.oci.Layer;
import dev.ko.oci.Manifest;
import dev.ko.oci.MediaType;
import dev.ko.oci.Platform;
import dev.ko.testing.SpdxValidator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpdxTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A published ko 0.17.1 SBOM: its image, base and modules, and the length of its text. */
  private static final int KO_SBOM_TEXT_SIZE = 11140;

  private static final String[][] KO_DEPS = {
    {
      "github.com/VividCortex/ewma",
      "v1.2.0",
      "7f9f12688cdc0d7ad2cb791668736fb89809dcd9b3e7d6638ba5e8251fead68c"
    },
    {
      "github.com/acarl005/stripansi",
      "v0.0.0-20180116102854-5a71ef0e047d",
      "962719245c36470a4732a78a4c26248adb0fa873714e677848d479afde0518cf"
    },
    {
      "github.com/mattn/go-runewidth",
      "v0.0.16",
      "13949c34cb62c2f96f079a5a305770f69e24490cdb5c58a42794903ba4d42d07"
    },
    {
      "github.com/rivo/uniseg",
      "v0.4.7",
      "59476f916f2e121ad87cb0b8673769236cedc4fd48e7cdbee3d39ce4cabae154"
    },
    {
      "github.com/vbauerster/mpb/v8",
      "v8.8.3",
      "753381c86a2ac1a4c960fb9b855cf794ee4ee8c2b9e775d5814a37dcb76736c4"
    },
    {
      "golang.org/x/sync",
      "v0.10.0",
      "dcd42b8c38b18e01b050e09a17cc36f95607bf455efef19849b7644daf7c8264"
    },
    {
      "golang.org/x/sys",
      "v0.24.0",
      "4f08e2c2af5d9fa4757d073288afb04321d67dacff04907e608a7353f0afdd78"
    },
  };

  /** What ko's build saw: {@code go version -m} of its temp binary, Go 1.23 style. */
  static String koVersionM() {
    StringBuilder b = new StringBuilder("/tmp/ko1234/out: go1.23.4\n");
    b.append("\tpath\tgithub.com/sherine-k/tnt-containers-quiz/q9/sample_go\n");
    b.append("\tmod\tgithub.com/sherine-k/tnt-containers-quiz/q9/sample_go\t(devel)\t\n");
    for (String[] d : KO_DEPS) {
      String h1 = "h1:" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(d[2]));
      b.append("\tdep\t")
          .append(d[0])
          .append('\t')
          .append(d[1])
          .append('\t')
          .append(h1)
          .append('\n');
    }
    b.append("\tbuild\t-buildmode=exe\n\tbuild\t-compiler=gc\n\tbuild\t-ldflags=\"-s -w\"\n");
    b.append("\tbuild\tCGO_ENABLED=0\n\tbuild\tGOARCH=amd64\n\tbuild\tGOOS=linux\n");
    return b.toString();
  }

  static Image koImage() {
    Map<String, String> annotations = new TreeMap<>();
    annotations.put("org.opencontainers.image.base.name", "cgr.dev/chainguard/static:latest");
    annotations.put(
        "org.opencontainers.image.base.digest",
        "sha256:decda8381dbd8765d4827218b79910355cde86a29a8b2bc7357b02a8f77f63dc");
    annotations.put("org.opencontainers.image.vendor", "Chainguard");
    GoTime created = new GoTime(OffsetDateTime.of(2024, 11, 12, 12, 1, 47, 0, ZoneOffset.UTC));
    return new FakeImage(
        Digest.parse("sha256:f4c006c7a5066312dc58f99e0ac3cfbe807e4d9b10395ac947b302f198905ca4"),
        MediaType.OCI_MANIFEST,
        annotations,
        created);
  }

  @Test
  void imageSbomMatchesAPublishedKoSbom() throws Exception {
    byte[] sbom = Spdx.image("0.17.1", GoBuildInfo.fromVersionM(koVersionM()), koImage());

    // The document as published (ko 0.17.1's SBOM of that image, as text) is 11140 bytes long; this
    // pins the layout, key order and escaping, which the structure checks below cannot.
    assertThat(sbom.length).isEqualTo(KO_SBOM_TEXT_SIZE);
    JsonNode doc = JSON.readTree(sbom);
    assertThat(doc.at("/packages/2/SPDXID").asText())
        .as(
            "ko writes"
                + " SPDXRef-Package-github.com.sherine-k.tnt-containers-quiz.q9.sample_go-(devel),"
                + " not a valid SPDX ID")
        .isEqualTo("SPDXRef-Package-github.com.sherine-k.tnt-containers-quiz.q9.sample-go--devel-");
    assertThat(doc.at("/relationships/2/relatedSpdxElement").asText())
        .isEqualTo(doc.at("/packages/2/SPDXID").asText());
    assertThat(doc.at("/relationships/3/spdxElementId").asText())
        .isEqualTo(doc.at("/packages/2/SPDXID").asText());
    assertThat(doc.at("/packages/2/externalRefs/0/referenceLocator").asText())
        .isEqualTo(
            "pkg:golang/github.com/sherine-k/tnt-containers-quiz/q9/sample_go@(devel)?type=module");
    for (int i = 0; i < KO_DEPS.length; i++) {
      JsonNode p = doc.at("/packages/" + (3 + i));
      assertThat(p.at("/name").asText()).isEqualTo(KO_DEPS[i][0]);
      assertThat(p.at("/versionInfo").asText()).isEqualTo(KO_DEPS[i][1]);
      assertThat(p.at("/checksums/0/checksumValue").asText()).isEqualTo(KO_DEPS[i][2]);
      assertThat(p.at("/downloadLocation").asText())
          .isEqualTo("https://proxy.golang.org/" + KO_DEPS[i][0] + "/@v/" + KO_DEPS[i][1] + ".zip");
    }
  }

  @Test
  void imageSbomStructure() throws Exception {
    JsonNode doc =
        JSON.readTree(Spdx.image("1.2.3", GoBuildInfo.fromVersionM(koVersionM()), koImage()));
    String imageId =
        "SPDXRef-Package-sha256-f4c006c7a5066312dc58f99e0ac3cfbe807e4d9b10395ac947b302f198905ca4";
    assertThat(doc.at("/spdxVersion").asText()).isEqualTo("SPDX-2.3");
    assertThat(doc.at("/creationInfo/creators/0").asText()).isEqualTo("Tool: ko 1.2.3");
    assertThat(doc.at("/documentDescribes/0").asText()).isEqualTo(imageId);
    JsonNode packages = doc.at("/packages");
    assertThat(packages.size()).isEqualTo(3 + KO_DEPS.length);
    assertThat(packages.at("/1/externalRefs/0/referenceLocator").asText())
        .isEqualTo(
            "pkg:oci/image@sha256:decda8381dbd8765d4827218b79910355cde86a29a8b2bc7357b02a8f77f63dc"
                + "?repository_url=cgr.dev%2Fchainguard%2Fstatic&tag=latest");
    assertThat(packages.at("/3/externalRefs/0/referenceLocator").asText())
        .as("host and owner lower-cased")
        .isEqualTo("pkg:golang/github.com/vividcortex/ewma@v1.2.0?type=module");
    List<String> relationships = new ArrayList<>();
    doc.at("/relationships").forEach(r -> relationships.add(r.at("/relationshipType").asText()));
    assertThat(relationships)
        .startsWith("DESCRIBES", "DESCENDANT_OF", "CONTAINS", "DEPENDS_ON")
        .hasSize(3 + KO_DEPS.length);
  }

  @Test
  void noBasePackageWithoutBothBaseAnnotations() throws Exception {
    Image image =
        new FakeImage(
            Digest.of(new byte[] {1}),
            MediaType.DOCKER_MANIFEST,
            Map.of("org.opencontainers.image.base.name", "example.com/base:1"),
            GoTime.ZERO);
    JsonNode doc = JSON.readTree(Spdx.image("v", GoBuildInfo.fromVersionM(koVersionM()), image));
    assertThat(doc.at("/packages/1/name").asText())
        .isEqualTo("github.com/sherine-k/tnt-containers-quiz/q9/sample_go");
    assertThat(doc.at("/packages/0/externalRefs/0/referenceLocator").asText())
        .endsWith("?mediaType=application%2Fvnd.docker.distribution.manifest.v2%2Bjson");
    assertThat(doc.at("/creationInfo/created").asText()).isEqualTo("0001-01-01T00:00:00Z");
  }

  @Test
  void baseGivenByDigestHasNoTagQualifierAndDockerHubNamesAreQualified() throws Exception {
    String baseDigest = "sha256:" + "ab".repeat(32);
    Image image =
        new FakeImage(
            Digest.of(new byte[] {2}),
            MediaType.OCI_MANIFEST,
            Map.of(
                "org.opencontainers.image.base.name",
                "alpine@" + baseDigest,
                "org.opencontainers.image.base.digest",
                baseDigest),
            GoTime.ZERO);
    JsonNode base =
        JSON.readTree(Spdx.image("v", GoBuildInfo.fromVersionM(koVersionM()), image))
            .at("/packages/1");
    assertThat(base.at("/name").asText()).isEqualTo("index.docker.io/library/alpine@" + baseDigest);
    assertThat(base.at("/versionInfo").asText()).isEqualTo("alpine@" + baseDigest);
    assertThat(base.at("/externalRefs/0/referenceLocator").asText())
        .isEqualTo(
            "pkg:oci/image@" + baseDigest + "?repository_url=index.docker.io%2Flibrary%2Falpine");
  }

  @Test
  void createdIsTheWallClockOfTheConfigTimeWithALiteralZ() {
    // Go's time.Format with a literal Z does not convert to UTC; ko's SBOM date does the same.
    GoTime local = new GoTime(OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 600, ZoneOffset.ofHours(2)));
    assertThat(Spdx.date(local)).isEqualTo("2024-01-02T03:04:05Z");
    assertThat(Spdx.date(GoTime.ZERO)).isEqualTo("0001-01-01T00:00:00Z");
  }

  @Test
  void indexSbom() throws Exception {
    GoTime created = new GoTime(OffsetDateTime.of(2024, 5, 6, 7, 8, 9, 0, ZoneOffset.UTC));
    Image amd64 =
        new FakeImage(Digest.of(new byte[] {3}), MediaType.OCI_MANIFEST, Map.of(), created);
    Image arm =
        new FakeImage(Digest.of(new byte[] {4}), MediaType.OCI_MANIFEST, Map.of(), GoTime.ZERO);
    Platform armPlatform = new Platform("linux", "arm", "v7", "", List.of(), List.of());
    Platform windows =
        new Platform("windows", "amd64", "", "10.0.17763.1", List.of("win32k", "x"), List.of());
    Image win =
        new FakeImage(Digest.of(new byte[] {5}), MediaType.OCI_MANIFEST, Map.of(), GoTime.ZERO);
    Map<String, String> annotations =
        Map.of(
            "org.opencontainers.image.base.name",
            "registry.local:5000/base/static:nonroot",
            "org.opencontainers.image.base.digest",
            "sha256:" + "cd".repeat(32));
    BuiltIndex index =
        index(
            List.of(amd64, arm, win),
            List.of(Platform.of("linux", "amd64", ""), armPlatform, windows),
            annotations);

    byte[] sbom = Spdx.index("9.9", index);
    JsonNode doc = JSON.readTree(sbom);
    String indexId = "SPDXRef-Package-sha256-" + index.digest().hex();
    assertThat(doc.at("/name").asText()).isEqualTo("sbom-" + index.digest());
    assertThat(doc.at("/creationInfo/created").asText())
        .as("the first child's")
        .isEqualTo("2024-05-06T07:08:09Z");
    assertThat(doc.at("/documentDescribes/0").asText()).isEqualTo(indexId);
    assertThat(doc.at("/packages/0/checksums/0/checksumValue").asText())
        .isEqualTo(index.digest().hex());
    assertThat(doc.at("/packages/0/externalRefs/0/referenceLocator").asText())
        .isEqualTo(
            "pkg:oci/index@"
                + index.digest()
                + "?mediaType=application%2Fvnd.oci.image.index.v1%2Bjson");
    assertThat(doc.at("/packages/1/versionInfo").asText())
        .isEqualTo("registry.local:5000/base/static:nonroot");
    assertThat(doc.at("/packages/3/versionInfo").asText()).isEqualTo("linux/arm/v7");
    assertThat(doc.at("/packages/3/externalRefs/0/referenceLocator").asText())
        .isEqualTo(
            "pkg:oci/image@"
                + arm.digest()
                + "?arch=arm&mediaType=application%2Fvnd.oci.image.manifest.v1%2Bjson&os=linux&variant=v7");
    assertThat(doc.at("/packages/4/externalRefs/0/referenceLocator").asText())
        .isEqualTo(
            "pkg:oci/image@"
                + win.digest()
                + "?arch=amd64&mediaType=application%2Fvnd.oci.image.manifest.v1%2Bjson"
                + "&os=windows&os-feature=win32k&os-feature=x&os-version=10.0.17763.1");
    assertThat(new String(sbom, StandardCharsets.UTF_8))
        .as("Go's HTML-safe escaping of & in purls")
        .contains("?arch=arm\\u0026mediaType=")
        .doesNotContain("&");
    List<String> relationships = new ArrayList<>();
    doc.at("/relationships").forEach(r -> relationships.add(r.at("/relationshipType").asText()));
    assertThat(relationships)
        .containsExactly("DESCENDANT_OF", "VARIANT_OF", "VARIANT_OF", "VARIANT_OF");
    assertThat(doc.at("/relationships/1/relatedSpdxElement").asText())
        .isEqualTo("SPDXRef-Package-" + amd64.digest().toString().replace(':', '-'));
  }

  @Test
  void indentationAndTrailingNewlineAsGoWritesThem() {
    String text =
        new String(
            Spdx.image("v", GoBuildInfo.fromVersionM(koVersionM()), koImage()),
            StandardCharsets.UTF_8);
    assertThat(text)
        .startsWith("{\n  \"SPDXID\": \"SPDXRef-DOCUMENT\",\n  \"name\": \"sbom-sha256:");
    assertThat(text)
        .contains(
            """
              "creationInfo": {
                "created": "2024-11-12T12:01:47Z",
                "creators": [
                  "Tool: ko v"
                ]
              },
            """);
    assertThat(text).endsWith("\n    }\n  ]\n}\n");
  }

  @Test
  void imageAndIndexSbomsPassTheSpdxValidator(@TempDir Path dir) throws Exception {
    Path image = dir.resolve("image.spdx.json");
    Files.write(image, Spdx.image("(devel)", GoBuildInfo.fromVersionM(koVersionM()), koImage()));
    Image child =
        new FakeImage(Digest.of(new byte[] {3}), MediaType.OCI_MANIFEST, Map.of(), GoTime.ZERO);
    Path index = dir.resolve("index.spdx.json");
    Files.write(
        index,
        Spdx.index(
            "(devel)",
            index(
                List.of(child),
                List.of(Platform.of("linux", "arm64", "v8")),
                Map.of(
                    "org.opencontainers.image.base.name",
                    "cgr.dev/chainguard/static:latest",
                    "org.opencontainers.image.base.digest",
                    "sha256:" + "cd".repeat(32)))));

    assertThat(SpdxValidator.problems(image)).isEmpty();
    assertThat(SpdxValidator.problems(index)).isEmpty();
  }

  @Test
  void theValidatorRejectsKosModuleIds(@TempDir Path dir) throws Exception {
    // Proof that the check above can fail: ko's own ID for a (devel) main module.
    String ours =
        new String(
            Spdx.image("v", GoBuildInfo.fromVersionM(koVersionM()), koImage()),
            StandardCharsets.UTF_8);
    Path kos = dir.resolve("ko.spdx.json");
    Files.writeString(kos, ours.replace("q9.sample-go--devel-", "q9.sample_go-(devel)"));
    assertThat(SpdxValidator.problems(kos)).isNotEmpty();
  }

  @Test
  void moduleIdsAreValidSpdxIdsAndUnique() {
    Set<String> used = new HashSet<>();
    assertThat(Spdx.packageId(new GoModule("golang.org/x/sys", "v0.24.0", ""), used))
        .as("valid IDs are ko's")
        .isEqualTo("SPDXRef-Package-golang.org.x.sys-v0.24.0");
    assertThat(Spdx.packageId(new GoModule("example.com/a_b~c", "v2.0.0+incompatible", ""), used))
        .isEqualTo("SPDXRef-Package-example.com.a-b-c-v2.0.0-incompatible");
    assertThat(Spdx.packageId(new GoModule("example.com/a-b_c", "v2.0.0+incompatible", ""), used))
        .isEqualTo("SPDXRef-Package-example.com.a-b-c-v2.0.0-incompatible-2");
  }

  @Test
  void queryEscapingIsGos() {
    assertThat(Purl.queryEscape("a b/c+d:e~f_g.h-i&j=k"))
        .isEqualTo("a+b%2Fc%2Bd%3Ae~f_g.h-i%26j%3Dk");
    assertThat(Purl.queryEscape("é")).isEqualTo("%C3%A9");
    assertThat(Purl.golang("example.com/Foo", "v1"))
        .as("two elements: unchanged")
        .isEqualTo("pkg:golang/example.com/Foo@v1?type=module");
    assertThat(Purl.golang("GitHub.com/Owner/Repo", "v1"))
        .isEqualTo("pkg:golang/github.com/owner/Repo@v1?type=module");
  }

  @Test
  void h1Sums() {
    assertThat(
            Spdx.h1ToSha256(
                "h1:" + Base64.getEncoder().encodeToString(new byte[] {1, (byte) 0xff})))
        .isEqualTo("01ff");
    assertThat(Spdx.h1ToSha256("")).isEmpty();
    assertThat(Spdx.h1ToSha256("h2:AAAA")).isEmpty();
    assertThat(Spdx.h1ToSha256("h1:!!")).isEmpty();
  }

  @Test
  void indexWithANestedIndexIsRejected() {
    IndexManifest im =
        new IndexManifest(
            2,
            MediaType.OCI_INDEX,
            List.of(Descriptor.of(MediaType.OCI_INDEX, 1, Digest.of(new byte[] {9}))),
            null,
            null);
    ImageIndex nested = BuiltIndex.of(im, List.of());
    assertThatThrownBy(() -> Spdx.index("v", nested))
        .hasMessageContaining("unknown media type: application/vnd.oci.image.index.v1+json");
  }

  /**
   * An image known by its digest, manifest media type and annotations and config time. It stands in
   * for published images whose manifest bytes we do not have, so its digest is given, not derived
   * from its bytes as a real image's is.
   */
  record FakeImage(
      Digest digest, MediaType mediaType, Map<String, String> annotations, GoTime created)
      implements Image {
    @Override
    public Content<Manifest> manifestContent() {
      return Content.of(
          new Manifest(
              2,
              mediaType,
              Descriptor.of(MediaType.OCI_CONFIG, 2, Digest.of(new byte[0])),
              List.of(),
              new TreeMap<>(annotations),
              null));
    }

    @Override
    public Content<ConfigFile> configContent() {
      return Content.of(
          MediaType.OCI_CONFIG,
          new ConfigFile(
              "amd64", "", "", created, "", List.of(), "linux", "layers", List.of(), null, "", "",
              List.of()));
    }

    @Override
    public List<Layer> layers() {
      return List.of();
    }

    @Override
    public List<Attachment> attachments() {
      return List.of();
    }

    @Override
    public Image withAttachments(List<Attachment> attachments) {
      throw new UnsupportedOperationException("not needed");
    }
  }

  /** An OCI index of the given images at the given platforms. */
  static BuiltIndex index(
      List<Image> images, List<Platform> platforms, Map<String, String> annotations) {
    List<Descriptor> ds = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      Image img = images.get(i);
      ds.add(
          Descriptor.of(img.mediaType(), img.size(), img.digest()).withPlatform(platforms.get(i)));
    }
    return BuiltIndex.of(
        new IndexManifest(2, MediaType.OCI_INDEX, ds, new TreeMap<>(annotations), null), images);
  }
}
