package dev.ko.oci;

import java.util.List;

/** An image assembled in memory; manifest and config bytes are fixed at construction. */
public record BuiltImage(
    MediaType mediaType,
    byte[] rawManifest,
    Manifest manifest,
    byte[] rawConfig,
    ConfigFile configFile,
    List<Layer> layers,
    Digest digest)
    implements Image {

  public BuiltImage {
    layers = List.copyOf(layers);
  }

  public static BuiltImage of(Manifest manifest, ConfigFile config, List<Layer> layers) {
    byte[] rawConfig = config.toJson();
    Manifest withConfig =
        manifest.withConfig(
            manifest.config().withDigestAndSize(Digest.of(rawConfig), rawConfig.length));
    byte[] rawManifest = withConfig.toJson();
    return new BuiltImage(
        withConfig.mediaType(),
        rawManifest,
        withConfig,
        rawConfig,
        config,
        layers,
        Digest.of(rawManifest));
  }
}
