package dev.ko.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AttachmentTest {
  @Test
  void fileImageIsByteForByteWhatKoPushesForAnSbom() {
    // A published ko push: SBOM blob sha256:9d331c43... of 11212 bytes went into manifest
    // sha256:4d497343... (374 bytes) with config sha256:df9655f4... (233 bytes).
    Digest sbom =
        Digest.parse("sha256:9d331c4342daeee7d5946ae0f829e05321513097ca6b91193c57038b0e7057fe");
    Layer layer =
        new Layer() {
          @Override
          public Digest digest() {
            return sbom;
          }

          @Override
          public Digest diffId() {
            return sbom;
          }

          @Override
          public long size() {
            return 11212;
          }

          @Override
          public MediaType mediaType() {
            return new MediaType("text/spdx+json");
          }

          @Override
          public InputStream compressed() {
            throw new AssertionError("not needed");
          }
        };

    Image image = Attachment.fileImage(layer);

    assertThat(new String(image.rawConfig(), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"architecture\":\"\",\"created\":\"0001-01-01T00:00:00Z\",\"history\":[{\"created\":\"0001-01-01T00:00:00Z\"}],"
                + "\"os\":\"\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + sbom
                + "\"]},\"config\":{}}");
    assertThat(image.configDescriptor().digest().hex())
        .isEqualTo("df9655f455e64bfca70acf47da8b2d7305a042dd7245c6ea0107cf465f0a5ceb");
    assertThat(image.configDescriptor().size()).isEqualTo(233);
    assertThat(image.digest().hex())
        .isEqualTo("4d4973438f5226bdebce580f587cf38e6d62ecf543ea9a67fe873723a2bc2bfd");
    assertThat(image.size()).isEqualTo(374);
  }

  @Test
  void attachmentCarriesItsFileUncompressedUnderCosignsTag() throws Exception {
    byte[] content = "{\"spdxVersion\":\"SPDX-2.3\"}\n".getBytes(StandardCharsets.UTF_8);
    Attachment a = new Attachment("sbom", new MediaType("text/spdx+json"), content);
    Image image = a.image();
    Layer layer = image.layers().get(0);
    assertThat(layer.digest()).isEqualTo(Digest.of(content)).isEqualTo(layer.diffId());
    assertThat(layer.size()).isEqualTo(content.length);
    try (InputStream in = layer.compressed()) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
    assertThat(image.mediaType()).isEqualTo(MediaType.OCI_MANIFEST);
    assertThat(image.configDescriptor().mediaType()).isEqualTo(MediaType.OCI_CONFIG);
    Digest subject = Digest.parse("sha256:" + "0f".repeat(32));
    assertThat(a.tag(subject)).isEqualTo("sha256-" + "0f".repeat(32) + ".sbom");
  }

  @Test
  void onlyAttachedArtifactsHaveAttachments() {
    Attachment a = new Attachment("sbom", new MediaType("text/spdx+json"), new byte[] {1});
    Image plain = a.image();
    assertThat(plain.attachments()).isEmpty();
    Image attached = plain.withAttachments(java.util.List.of(a));
    assertThat(attached.attachments()).containsExactly(a);
    assertThat(attached.digest()).isEqualTo(plain.digest());
    assertThat(attached.rawManifest()).isEqualTo(plain.rawManifest());
  }
}
