package dev.ko.oci;

import java.util.List;

/**
 * A single-platform image: manifest, config and layers. The parsed manifest and config are read
 * from the exact bytes; implementations make sure the manifest names exactly this config and these
 * layers ({@link Manifest#requireDescribes}).
 */
public non-sealed interface Image extends Artifact {
  @Override
  Content<Manifest> manifestContent();

  /** The config exactly as stored. */
  Content<ConfigFile> configContent();

  /** Layers in manifest order. */
  List<Layer> layers();

  @Override
  Image withAttachments(List<Attachment> attachments);

  /** This image with {@code attachment} added, in place of any of the same name. */
  @Override
  default Image withAttachment(Attachment attachment) {
    return withAttachments(Attachment.adding(attachments(), attachment));
  }

  default Manifest manifest() {
    return manifestContent().parsed();
  }

  /** A copy of the exact config bytes. */
  default byte[] rawConfig() {
    return configContent().bytes();
  }

  default ConfigFile configFile() {
    return configContent().parsed();
  }

  default Descriptor configDescriptor() {
    return manifest().config();
  }
}
