package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.name.DigestReference;
import dev.ko.name.Tag;
import dev.ko.oci.Artifact;
import dev.ko.oci.Attachment;
import dev.ko.oci.Content;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.MediaType;
import dev.ko.registry.StubRegistry.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pulled images and indexes are what the registry's bytes say, and nothing else. */
class RemoteArtifactsTest {
  private static final byte[] CONFIG =
      "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
          .getBytes(StandardCharsets.UTF_8);
  private static final byte[] MANIFEST = manifest(CONFIG.length);
  private static final byte[] INDEX =
      ("{\"schemaVersion\":2,\"mediaType\":\""
              + MediaType.OCI_INDEX
              + "\",\"manifests\":[{\"mediaType\":\""
              + MediaType.OCI_MANIFEST
              + "\",\"size\":"
              + MANIFEST.length
              + ",\"digest\":\""
              + Digest.of(MANIFEST)
              + "\",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}")
          .getBytes(StandardCharsets.UTF_8);

  private StubRegistry stub;

  @AfterEach
  void stop() {
    if (stub != null) {
      stub.close();
    }
  }

  /** An image manifest naming {@link #CONFIG} with the given size. */
  private static byte[] manifest(long configSize) {
    return ("{\"schemaVersion\":2,\"mediaType\":\""
            + MediaType.OCI_MANIFEST
            + "\",\"config\":{\"mediaType\":\""
            + MediaType.OCI_CONFIG
            + "\",\"size\":"
            + configSize
            + ",\"digest\":\""
            + Digest.of(CONFIG)
            + "\"},\"layers\":[]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Serves each of {@code manifests} under {@code /v2/foo/bar/manifests/<key>}, and the config. */
  private void serve(Map<String, byte[]> manifests) throws IOException {
    stub =
        new StubRegistry(
            r -> {
              String p = r.pathAndQuery();
              if (p.equals("/v2/")) {
                return Response.of(200);
              }
              if (p.equals("/v2/foo/bar/blobs/" + Digest.of(CONFIG))) {
                return new Response(200, Map.of(), CONFIG);
              }
              String prefix = "/v2/foo/bar/manifests/";
              byte[] body =
                  p.startsWith(prefix) ? manifests.get(p.substring(prefix.length())) : null;
              if (body == null) {
                return Response.of(404);
              }
              MediaType type =
                  new String(body, StandardCharsets.UTF_8).contains("\"manifests\"")
                      ? MediaType.OCI_INDEX
                      : MediaType.OCI_MANIFEST;
              return new Response(200, Map.of("Content-Type", type.value()), body);
            });
  }

  private Artifact pull(String identifier) throws IOException {
    String name = stub.host() + "/foo/bar";
    return RegistryClientTest.client(Keychain.ANONYMOUS)
        .pull(
            identifier.startsWith("sha256:")
                ? DigestReference.parse(name + "@" + identifier, false)
                : Tag.parse(name + ":" + identifier));
  }

  @Test
  void aPulledImageIsItsBytes() throws Exception {
    serve(Map.of("latest", MANIFEST));
    Image image = (Image) pull("latest");
    assertThat(image.rawManifest()).isEqualTo(MANIFEST);
    assertThat(image.digest()).isEqualTo(Digest.of(MANIFEST));
    assertThat(image.rawConfig()).isEqualTo(CONFIG);
    assertThat(image.configFile().architecture()).isEqualTo("amd64");
    assertThat(image.attachments()).isEmpty();
  }

  @Test
  void aManifestRequestedByDigestMustHaveThatDigest() throws Exception {
    Digest asked = Digest.of("something else".getBytes(StandardCharsets.UTF_8));
    serve(Map.of(asked.toString(), MANIFEST));
    assertThatThrownBy(() -> pull(asked.toString()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("manifest digest " + Digest.of(MANIFEST))
        .hasMessageContaining("does not match the requested " + asked);
  }

  @Test
  void anIndexChildMustBeTheBytesItsDescriptorNames() throws Exception {
    byte[] other =
        (new String(MANIFEST, StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8);
    serve(Map.of("latest", INDEX, Digest.of(MANIFEST).toString(), other));
    ImageIndex index = (ImageIndex) pull("latest");
    Descriptor d = index.indexManifest().manifests().get(0);
    assertThatThrownBy(() -> index.child(d))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("does not match the requested " + Digest.of(MANIFEST));
  }

  @Test
  void aManifestThatMisstatesItsConfigIsRefused() throws Exception {
    byte[] wrongSize = manifest(CONFIG.length + 1);
    serve(Map.of("latest", wrongSize));
    assertThatThrownBy(() -> pull("latest"))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(stub.host() + "/foo/bar@" + Digest.of(wrongSize) + ": ")
        .hasMessageContaining("manifest names config");
  }

  @Test
  void aRemoteImageCannotBeMadeWithAConfigItsManifestDoesNotName() throws Exception {
    serve(Map.of("latest", MANIFEST));
    RemoteImage image = (RemoteImage) pull("latest");
    Content<dev.ko.oci.ConfigFile> other =
        Content.config(MediaType.OCI_CONFIG, "{}".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(
            () ->
                new RemoteImage(
                    image.repository(), image.manifestContent(), other, image.layers(), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("manifest names config");
  }

  @Test
  void attachingToAPulledIndexKeepsItsBytesAndFetchesChildrenOnce() throws Exception {
    serve(Map.of("latest", INDEX, Digest.of(MANIFEST).toString(), MANIFEST));
    ImageIndex pulled = (ImageIndex) pull("latest");
    Attachment sbom = new Attachment("sbom", new MediaType("text/spdx+json"), new byte[] {1});
    ImageIndex attached = pulled.withAttachment(sbom);
    Descriptor d = pulled.indexManifest().manifests().get(0);

    assertThat(attached.attachments()).containsExactly(sbom);
    assertThat(pulled.attachments()).isEmpty();
    assertThat(attached.rawManifest()).isEqualTo(INDEX);
    assertThat(attached.child(d)).isSameAs(pulled.child(d));
    assertThat(stub.lines()).containsOnlyOnce("GET /v2/foo/bar/manifests/" + Digest.of(MANIFEST));
  }
}
