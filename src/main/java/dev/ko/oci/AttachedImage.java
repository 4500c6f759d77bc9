package dev.ko.oci;

import java.util.List;

/** An image together with its attachments; as an image it is exactly {@code image}. */
public record AttachedImage(Image image, List<Attachment> attachments) implements Image, Attached {
  public AttachedImage {
    attachments = List.copyOf(attachments);
  }

  @Override
  public MediaType mediaType() {
    return image.mediaType();
  }

  @Override
  public byte[] rawManifest() {
    return image.rawManifest();
  }

  @Override
  public Digest digest() {
    return image.digest();
  }

  @Override
  public long size() {
    return image.size();
  }

  @Override
  public Manifest manifest() {
    return image.manifest();
  }

  @Override
  public byte[] rawConfig() {
    return image.rawConfig();
  }

  @Override
  public ConfigFile configFile() {
    return image.configFile();
  }

  @Override
  public List<Layer> layers() {
    return image.layers();
  }

  @Override
  public Descriptor configDescriptor() {
    return image.configDescriptor();
  }
}
