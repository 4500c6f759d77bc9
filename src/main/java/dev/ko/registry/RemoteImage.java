package dev.ko.registry;

import dev.ko.name.Repository;
import dev.ko.oci.Attachment;
import dev.ko.oci.ConfigFile;
import dev.ko.oci.Content;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.Image;
import dev.ko.oci.Layer;
import dev.ko.oci.Manifest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An image in a registry: manifest and config held in memory, layers fetched only on demand.
 *
 * @param repository where the image was pulled from, which its layers can be mounted from
 */
public record RemoteImage(
    Repository repository,
    Content<Manifest> manifestContent,
    Content<ConfigFile> configContent,
    List<Layer> layers,
    List<Attachment> attachments)
    implements Image {

  /**
   * @throws IllegalArgumentException when the manifest does not name exactly this config and these
   *     layers
   */
  public RemoteImage {
    layers = List.copyOf(layers);
    attachments = Attachment.copyOf(attachments);
    manifestContent.parsed().requireDescribes(configContent, layers);
  }

  /**
   * Parses the manifest and fetches the config (checked against its digest).
   *
   * @throws IllegalArgumentException when the manifest or config is not valid
   */
  static RemoteImage load(
      RegistryClient client, Access access, Repository repo, Content<Manifest> manifestContent)
      throws IOException {
    Manifest manifest = manifestContent.parsed();
    Descriptor configDescriptor = manifest.config();
    Content<ConfigFile> config =
        Content.config(
            configDescriptor.mediaType(), client.getBlob(access, repo, configDescriptor.digest()));
    List<Digest> diffIds = config.parsed().diffIds();
    List<Layer> layers = new ArrayList<>();
    List<Descriptor> descriptors = manifest.layers();
    for (int i = 0; i < descriptors.size(); i++) {
      Digest diffId = i < diffIds.size() ? diffIds.get(i) : null;
      layers.add(new RemoteLayer(client, access, repo, descriptors.get(i), diffId));
    }
    return new RemoteImage(repo, manifestContent, config, layers, List.of());
  }

  /** The same image with {@code attachments} in place of its own. */
  @Override
  public RemoteImage withAttachments(List<Attachment> attachments) {
    return new RemoteImage(repository, manifestContent, configContent, layers, attachments);
  }
}
