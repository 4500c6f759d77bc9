package dev.ko.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The invariants of images and indexes: bytes are the truth, attachments are a property. */
class ImageModelTest {
  private static final MediaType SPDX = new MediaType("text/spdx+json");
  private static final Attachment SBOM = new Attachment("sbom", SPDX, new byte[] {1});

  @Test
  void aBuiltImageIsNamedByItsManifestBytesWhichNameItsConfigBytes() {
    Image image = image("a");
    assertThat(image.digest()).isEqualTo(Digest.of(image.rawManifest()));
    assertThat(image.size()).isEqualTo(image.rawManifest().length);
    assertThat(image.configDescriptor().digest()).isEqualTo(Digest.of(image.rawConfig()));
    assertThat(image.configDescriptor().size()).isEqualTo(image.rawConfig().length);
    assertThat(image.manifest()).isEqualTo(Manifest.parse(image.rawManifest(), null));
    assertThat(image.configFile()).isEqualTo(ConfigFile.parse(image.rawConfig()));
  }

  @Test
  void anImageWhoseManifestNamesOtherConfigBytesCannotBeMade() {
    BuiltImage image = image("a");
    Content<ConfigFile> other =
        Content.of(MediaType.OCI_CONFIG, image.configFile().withAuthor("someone else"));
    assertThatThrownBy(
            () -> new BuiltImage(image.manifestContent(), other, image.layers(), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("manifest names config")
        .hasMessageContaining(image.configDescriptor().digest().toString());
  }

  @Test
  void anImageWhoseManifestNamesOtherLayersCannotBeMade() {
    BuiltImage image = image("a");
    List<Layer> other = List.of(new BytesLayer("b".getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(
            () -> new BuiltImage(image.manifestContent(), image.configContent(), other, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("manifest names layer 0");
    assertThatThrownBy(
            () ->
                new BuiltImage(
                    image.manifestContent(), image.configContent(), List.of(), List.of()))
        .hasMessageContaining("manifest names 1 layers but the image has 0");
  }

  @Test
  void attachmentsChangeNeitherBytesNorLayers() {
    BuiltImage plain = image("a");
    BuiltImage attached = plain.withAttachments(List.of(SBOM));
    assertThat(plain.attachments()).as("the original is unchanged").isEmpty();
    assertThat(attached.attachments()).containsExactly(SBOM);
    assertThat(attached.rawManifest()).isEqualTo(plain.rawManifest());
    assertThat(attached.rawConfig()).isEqualTo(plain.rawConfig());
    assertThat(attached.layers()).isEqualTo(plain.layers());
    assertThat(attached.withAttachments(List.of()).attachments()).isEmpty();
  }

  @Test
  void anAttachmentOfAKindReplacesTheOneBefore() {
    Attachment sig = new Attachment("sig", SPDX, new byte[] {2});
    Attachment newer = new Attachment("sbom", SPDX, new byte[] {3});
    Image image = image("a").withAttachment(SBOM).withAttachment(sig).withAttachment(newer);
    assertThat(image.attachments()).containsExactly(sig, newer);
    assertThatThrownBy(() -> image("a").withAttachments(List.of(SBOM, newer)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("two attachments named \"sbom\"");
  }

  @Test
  void aMutatedImageHasItsOwnManifestAndNoneOfTheBasesAttachments() {
    Image base = image("a").withAttachment(SBOM);
    Layer added = new BytesLayer("added".getBytes(StandardCharsets.UTF_8));
    BuiltImage derived =
        Mutate.append(
            base,
            List.of(new Mutate.Addition(added, new History("", GoTime.ZERO, "", "", false))),
            c -> c,
            Map.of("k", "v"));
    assertThat(derived.digest()).isNotEqualTo(base.digest());
    assertThat(derived.attachments()).as("the base's SBOM describes the base").isEmpty();
    assertThat(derived.layers()).hasSize(2).endsWith(added);
    assertThat(base.layers()).as("the base is unchanged").hasSize(1);
    assertThat(base.attachments()).containsExactly(SBOM);
  }

  @Test
  void anIndexsChildrenKeepTheirAttachmentsAndTheIndexHasItsOwn() throws Exception {
    Attachment childSbom = new Attachment("sbom", SPDX, new byte[] {4});
    Image amd64 = image("amd64").withAttachment(childSbom);
    Image arm64 = image("arm64");
    ImageIndex index = index(amd64, arm64).withAttachment(SBOM);

    assertThat(index.attachments()).containsExactly(SBOM);
    Descriptor first = index.indexManifest().manifests().get(0);
    Descriptor second = index.indexManifest().manifests().get(1);
    assertThat(index.child(first).attachments()).containsExactly(childSbom);
    assertThat(index.child(second).attachments()).isEmpty();
    assertThat(index.withAttachments(List.of()).child(first).attachments())
        .as("dropping the index's own leaves the children's")
        .containsExactly(childSbom);
    assertThat(index.digest()).isEqualTo(Digest.of(index.rawManifest()));
    assertThat(index.withAttachments(List.of()).digest()).isEqualTo(index.digest());
  }

  @Test
  void anIndexCannotHoldAChildItDoesNotList() {
    Image listed = image("amd64");
    Image unlisted = image("arm64");
    IndexManifest manifest =
        new IndexManifest(2, MediaType.OCI_INDEX, List.of(descriptor(listed)), null, null);
    assertThatThrownBy(() -> BuiltIndex.of(manifest, List.of(listed, unlisted)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not list child")
        .hasMessageContaining(unlisted.digest().toString());
    assertThatThrownBy(
            () ->
                new BuiltIndex(Content.of(manifest), Map.of(unlisted.digest(), listed), List.of()))
        .hasMessageContaining("is given as " + unlisted.digest());
  }

  private static BuiltIndex index(Image... children) {
    List<Descriptor> ds = List.of(children).stream().map(ImageModelTest::descriptor).toList();
    return BuiltIndex.of(
        new IndexManifest(2, MediaType.OCI_INDEX, ds, null, null), List.of(children));
  }

  private static Descriptor descriptor(Image image) {
    return Descriptor.of(image.mediaType(), image.size(), image.digest())
        .withPlatform(Platform.of("linux", image.configFile().architecture(), ""));
  }

  /** A one-layer image for {@code architecture}. */
  private static BuiltImage image(String architecture) {
    Layer layer = new BytesLayer(architecture.getBytes(StandardCharsets.UTF_8));
    ConfigFile config =
        new ConfigFile(
            architecture,
            "",
            "",
            GoTime.ZERO,
            "",
            List.of(),
            "linux",
            "layers",
            List.of(layer.diffId()),
            ContainerConfig.EMPTY,
            "",
            "",
            List.of());
    Manifest manifest =
        new Manifest(
            2,
            MediaType.OCI_MANIFEST,
            Descriptor.of(MediaType.OCI_CONFIG, 0, Digest.of(new byte[0])),
            List.of(layer.descriptor()),
            null,
            null);
    return BuiltImage.of(manifest, config, List.of(layer));
  }

  // A layer is only ever compared with itself (carried into a derived image): array identity does.
  @SuppressWarnings("ArrayRecordComponent")
  private record BytesLayer(byte[] bytes) implements Layer {
    @Override
    public Digest digest() {
      return Digest.of(bytes);
    }

    @Override
    public Digest diffId() {
      return digest();
    }

    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public MediaType mediaType() {
      return MediaType.OCI_LAYER;
    }

    @Override
    public InputStream compressed() {
      return new ByteArrayInputStream(bytes);
    }
  }
}
