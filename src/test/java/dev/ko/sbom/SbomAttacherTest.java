package dev.ko.sbom;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.log.Log;
import dev.ko.oci.Attachment;
import dev.ko.oci.BuiltIndex;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.IndexManifest;
import dev.ko.oci.MediaType;
import dev.ko.oci.Platform;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SbomAttacherTest {
  private static final Platform AMD64 = Platform.of("linux", "amd64", "");
  private static final Platform ARM64 = Platform.of("linux", "arm64", "v8");

  @TempDir Path tmp;

  @Test
  void eachChildKeepsItsOwnSbomAndTheIndexGetsItsOwn() throws Exception {
    SbomAttacher sboms = new SbomAttacher(new SbomOptions(true, "", "v1"), tmp, Log.NONE);
    String versionM = SpdxTest.koVersionM();
    Image amd64 = image("amd64");
    Image arm64 = image("arm64");
    Image attachedAmd64 = sboms.attach(amd64, versionM, "app", AMD64);
    Image attachedArm64 = sboms.attach(arm64, versionM, "app", ARM64);
    assertThat(attachedAmd64.digest()).isEqualTo(amd64.digest());
    assertThat(only(attachedAmd64).content())
        .isEqualTo(Spdx.image("v1", GoBuildInfo.fromVersionM(versionM), amd64));

    BuiltIndex plain =
        BuiltIndex.of(
            new IndexManifest(
                2,
                MediaType.OCI_INDEX,
                List.of(descriptor(attachedAmd64, AMD64), descriptor(attachedArm64, ARM64)),
                null,
                null),
            List.of(attachedAmd64, attachedArm64));
    ImageIndex index = sboms.attach(plain, "app");

    assertThat(index.digest()).isEqualTo(plain.digest());
    assertThat(only(index).content()).isEqualTo(Spdx.index("v1", plain));
    List<Descriptor> children = index.indexManifest().manifests();
    assertThat(only(index.child(children.get(0)))).isEqualTo(only(attachedAmd64));
    assertThat(only(index.child(children.get(1)))).isEqualTo(only(attachedArm64));
  }

  @Test
  void withSbomsOffNothingIsAttached() throws Exception {
    SbomAttacher off = new SbomAttacher(SbomOptions.NONE, tmp, Log.NONE);
    Image image = image("amd64");
    assertThat(off.attach(image, SpdxTest.koVersionM(), "app", AMD64)).isSameAs(image);
  }

  private static Attachment only(dev.ko.oci.Artifact artifact) {
    assertThat(artifact.attachments()).hasSize(1);
    Attachment a = artifact.attachments().get(0);
    assertThat(a.name()).isEqualTo("sbom");
    assertThat(a.mediaType()).isEqualTo(Spdx.MEDIA_TYPE);
    return a;
  }

  private static Descriptor descriptor(Image image, Platform platform) {
    return Descriptor.of(image.mediaType(), image.size(), image.digest()).withPlatform(platform);
  }

  /** A small real image: cosign's one-file image of {@code text}. */
  private static Image image(String text) {
    return new Attachment("x", MediaType.OCI_LAYER, text.getBytes(StandardCharsets.UTF_8)).image();
  }
}
