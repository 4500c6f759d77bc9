package dev.ko.registry;

import dev.ko.name.Repository;
import dev.ko.oci.ConfigFile;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.Image;
import dev.ko.oci.Layer;
import dev.ko.oci.Manifest;
import dev.ko.oci.MediaType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** An image in a registry: manifest and config held in memory, layers fetched only on demand. */
public record RemoteImage(
    Repository repository,
    MediaType mediaType,
    byte[] rawManifest,
    Manifest manifest,
    byte[] rawConfig,
    ConfigFile configFile,
    List<Layer> layers,
    Digest digest)
    implements Image {

  /**
   * Parses the manifest and fetches the config.
   *
   * @throws IllegalArgumentException when the manifest or config is not valid
   */
  static RemoteImage load(
      RegistryClient client, Access access, Repository repo, RegistryClient.Fetched fetched)
      throws IOException {
    Manifest manifest = Manifest.parse(fetched.bytes(), fetched.mediaType());
    byte[] rawConfig = client.getBlob(access, repo, manifest.config().digest());
    ConfigFile config = ConfigFile.parse(rawConfig);
    List<Digest> diffIds = config.diffIds();
    List<Layer> layers = new ArrayList<>();
    List<Descriptor> descriptors = manifest.layers();
    for (int i = 0; i < descriptors.size(); i++) {
      Digest diffId = i < diffIds.size() ? diffIds.get(i) : null;
      layers.add(new RemoteLayer(client, access, repo, descriptors.get(i), diffId));
    }
    return new RemoteImage(
        repo,
        fetched.mediaType(),
        fetched.bytes(),
        manifest,
        rawConfig,
        config,
        layers,
        fetched.digest());
  }
}
