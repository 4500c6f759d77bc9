package dev.ko.oci;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes images in {@code docker save} format, which {@code docker load}, {@code podman load},
 * {@code ctr images import} and {@code skopeo docker-archive:} read: each config as {@code
 * <hex>.json}, each layer blob (compressed, as in the registry) once as {@code <hex>.tar.gz}, and a
 * {@code manifest.json} listing, per image, its config, layers and the tags to load it as.
 */
public final class DockerArchive {
  private static final int MODE = 0644;

  /** One image of the archive and the references ({@code name:tag}) it is loaded as. */
  public record Entry(Image image, List<String> repoTags) {
    public Entry {
      repoTags = List.copyOf(repoTags);
    }
  }

  private DockerArchive() {}

  /**
   * Streams the archive; does not close {@code out}. Layers are copied once and their digests
   * checked.
   */
  public static void write(List<Entry> entries, OutputStream out) throws IOException {
    TarWriter tar = new TarWriter(out);
    Set<Digest> written = new HashSet<>();
    ArrayNode manifest = GoJson.mapper().createArrayNode();
    for (Entry e : entries) {
      Image image = e.image();
      Digest config = image.configDescriptor().digest();
      String configName = config.hex() + ".json";
      if (written.add(config)) {
        tar.file(configName, MODE, 0, image.rawConfig(), Map.of());
      }
      ObjectNode m = manifest.addObject();
      m.put("Config", configName);
      ArrayNode tags = m.putArray("RepoTags");
      e.repoTags().forEach(tags::add);
      ArrayNode layers = m.putArray("Layers");
      for (Layer layer : image.layers()) {
        String layerName = layer.digest().hex() + ".tar.gz";
        layers.add(layerName);
        if (written.add(layer.digest())) {
          try (VerifiedBlobs.Checked in =
              new VerifiedBlobs.Checked(
                  layer.compressed(), layer.digest(), "layer " + layer.digest())) {
            tar.file(layerName, MODE, 0, layer.size(), in, Map.of());
            if (in.read() >= 0) {
              throw new IOException(
                  "layer " + layer.digest() + ": longer than its size " + layer.size());
            }
            in.verify();
          }
        }
      }
    }
    tar.file("manifest.json", MODE, 0, GoJson.mapper().writeValueAsBytes(manifest), Map.of());
    tar.close();
  }
}
