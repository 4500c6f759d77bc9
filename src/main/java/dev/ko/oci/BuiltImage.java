package dev.ko.oci;

import java.util.List;

/** An image assembled in memory (or read from a layout), its layers wherever they are. */
public record BuiltImage(
    Content<Manifest> manifestContent,
    Content<ConfigFile> configContent,
    List<Layer> layers,
    List<Attachment> attachments)
    implements Image {

  /**
   * @throws IllegalArgumentException when the manifest does not name exactly this config and these
   *     layers: an image cannot describe content it does not hold
   */
  public BuiltImage {
    layers = List.copyOf(layers);
    attachments = Attachment.copyOf(attachments);
    manifestContent.parsed().requireDescribes(configContent, layers);
  }

  /**
   * The image of {@code config} and {@code layers} with {@code manifest}'s media types and
   * annotations; the manifest's config descriptor is pointed at the serialised config.
   */
  public static BuiltImage of(Manifest manifest, ConfigFile config, List<Layer> layers) {
    Content<ConfigFile> configContent = Content.of(manifest.config().mediaType(), config);
    Manifest withConfig =
        manifest.withConfig(
            manifest.config().withDigestAndSize(configContent.digest(), configContent.size()));
    return new BuiltImage(Content.of(withConfig), configContent, layers, List.of());
  }

  /** The same image with {@code attachments} in place of its own. */
  @Override
  public BuiltImage withAttachments(List<Attachment> attachments) {
    return new BuiltImage(manifestContent, configContent, layers, attachments);
  }
}
