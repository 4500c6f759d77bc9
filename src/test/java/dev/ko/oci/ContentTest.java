package dev.ko.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ContentTest {
  private static final byte[] CONFIG =
      "{\"architecture\":\"arm64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
          .getBytes(StandardCharsets.UTF_8);

  @Test
  void digestSizeAndDescriptorComeFromTheBytes() {
    Content<ConfigFile> c = Content.config(MediaType.OCI_CONFIG, CONFIG);
    assertThat(c.digest()).isEqualTo(Digest.of(CONFIG));
    assertThat(c.size()).isEqualTo(CONFIG.length);
    assertThat(c.descriptor())
        .isEqualTo(Descriptor.of(MediaType.OCI_CONFIG, CONFIG.length, Digest.of(CONFIG)));
    assertThat(c.isDescribedBy(c.descriptor())).isTrue();
    assertThat(c.isDescribedBy(c.descriptor().withDigestAndSize(Digest.of(new byte[0]), 0)))
        .isFalse();
    assertThat(
            c.isDescribedBy(
                Descriptor.of(MediaType.DOCKER_CONFIG, CONFIG.length, Digest.of(CONFIG))))
        .as("another media type")
        .isFalse();
  }

  @Test
  void theBytesCannotBeChangedFromOutside() {
    byte[] given = CONFIG.clone();
    Content<ConfigFile> c = Content.config(MediaType.OCI_CONFIG, given);
    Digest before = c.digest();
    given[0] = 'x';
    c.bytes()[1] = 'y';
    assertThat(c.bytes()).isEqualTo(CONFIG);
    assertThat(Digest.of(c.bytes())).isEqualTo(before);
  }

  @Test
  void theParsedFormIsReadFromTheBytesOnce() {
    Content<ConfigFile> c = Content.config(MediaType.OCI_CONFIG, CONFIG);
    assertThat(c.parsed().architecture()).isEqualTo("arm64");
    assertThat(c.parsed()).isSameAs(c.parsed());
  }

  @Test
  void aManifestWithoutAMediaTypeFieldTakesTheStoredOne() {
    byte[] json =
        ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\""
                + MediaType.DOCKER_CONFIG
                + "\",\"size\":1,\"digest\":\""
                + Digest.of(new byte[] {1})
                + "\"},\"layers\":[]}")
            .getBytes(StandardCharsets.UTF_8);
    Content<Manifest> c = Content.manifest(MediaType.DOCKER_MANIFEST, json);
    assertThat(c.parsed().mediaType()).isEqualTo(MediaType.DOCKER_MANIFEST);
    assertThat(c.bytes()).as("never re-serialised").isEqualTo(json);
  }

  @Test
  void invalidBytesFailWhenParsed() {
    Content<IndexManifest> c =
        Content.index(MediaType.OCI_INDEX, "[]".getBytes(StandardCharsets.UTF_8));
    assertThat(c.digest()).isEqualTo(Digest.of("[]".getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(c::parsed).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void equalWhenKindMediaTypeAndBytesAre() {
    Content<ConfigFile> a = Content.config(MediaType.OCI_CONFIG, CONFIG);
    assertThat(a)
        .isEqualTo(Content.config(MediaType.OCI_CONFIG, CONFIG.clone()))
        .hasSameHashCodeAs(Content.config(MediaType.OCI_CONFIG, CONFIG.clone()))
        .isNotEqualTo(Content.config(MediaType.DOCKER_CONFIG, CONFIG))
        .isNotEqualTo(Content.manifest(MediaType.OCI_CONFIG, CONFIG));
  }
}
