package dev.ko.oci;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** An image manifest (OCI or Docker schema 2), serialised in go-containerregistry's field order. */
public record Manifest(
    long schemaVersion,
    MediaType mediaType,
    Descriptor config,
    List<Descriptor> layers,
    SortedMap<String, String> annotations,
    Descriptor subject) {

  public Manifest {
    layers = List.copyOf(layers);
    annotations = annotations == null ? new TreeMap<>() : new TreeMap<>(annotations);
  }

  @Override
  public SortedMap<String, String> annotations() {
    return new TreeMap<>(annotations);
  }

  /**
   * Parses a manifest. {@code fallbackType} is used when the document has no mediaType field (the
   * registry's Content-Type tells it then).
   */
  public static Manifest parse(byte[] json, MediaType fallbackType) {
    ObjectNode node = GoJson.parseObject(json, "manifest");
    String mt = GoJson.string(node, "mediaType");
    JsonNode configNode = GoJson.field(node, "config");
    if (configNode == null || !configNode.isObject()) {
      throw new IllegalArgumentException("parsing manifest: no config descriptor");
    }
    List<Descriptor> layers = new ArrayList<>();
    JsonNode layerNodes = GoJson.field(node, "layers");
    if (layerNodes != null && layerNodes.isArray()) {
      for (JsonNode l : layerNodes) {
        layers.add(Descriptor.fromJson(l));
      }
    }
    JsonNode subject = GoJson.field(node, "subject");
    return new Manifest(
        GoJson.number(node, "schemaVersion"),
        mt.isEmpty() ? fallbackType : new MediaType(mt),
        Descriptor.fromJson(configNode),
        layers,
        GoJson.stringMap(node, "annotations"),
        subject == null || subject.isNull() ? null : Descriptor.fromJson(subject));
  }

  /**
   * Checks that this manifest names exactly {@code config} and {@code layers}, in order (media
   * type, size and digest of each), the invariant of every {@link Image}.
   *
   * @throws IllegalArgumentException naming the first difference
   */
  public void requireDescribes(Content<ConfigFile> config, List<? extends Layer> layerList) {
    if (!config.isDescribedBy(this.config)) {
      throw new IllegalArgumentException(
          "manifest names config "
              + describe(this.config)
              + " but the config is "
              + describe(config.descriptor()));
    }
    if (layerList.size() != layers.size()) {
      throw new IllegalArgumentException(
          "manifest names " + layers.size() + " layers but the image has " + layerList.size());
    }
    for (int i = 0; i < layers.size(); i++) {
      Descriptor named = layers.get(i);
      Layer layer = layerList.get(i);
      if (!named.mediaType().equals(layer.mediaType())
          || named.size() != layer.size()
          || !named.digest().equals(layer.digest())) {
        throw new IllegalArgumentException(
            "manifest names layer "
                + i
                + " "
                + describe(named)
                + " but the layer is "
                + describe(layer.descriptor()));
      }
    }
  }

  private static String describe(Descriptor d) {
    return d.mediaType() + "@" + d.digest() + " (" + d.size() + " bytes)";
  }

  public Manifest withConfig(Descriptor newConfig) {
    return new Manifest(schemaVersion, mediaType, newConfig, layers, annotations, subject);
  }

  public Manifest withLayers(List<Descriptor> newLayers) {
    return new Manifest(schemaVersion, mediaType, config, newLayers, annotations, subject);
  }

  public Manifest withAnnotations(Map<String, String> values) {
    return new Manifest(schemaVersion, mediaType, config, layers, new TreeMap<>(values), subject);
  }

  public byte[] toJson() {
    return GoJson.write(
        g -> {
          g.writeStartObject();
          g.writeNumberField("schemaVersion", schemaVersion);
          if (mediaType != null) {
            GoJson.omitEmpty(g, "mediaType", mediaType.value());
          }
          g.writeFieldName("config");
          config.writeJson(g);
          writeDescriptors(g, "layers", layers);
          GoJson.omitEmpty(g, "annotations", annotations);
          if (subject != null) {
            g.writeFieldName("subject");
            subject.writeJson(g);
          }
          g.writeEndObject();
        });
  }

  static void writeDescriptors(JsonGenerator g, String name, List<Descriptor> descriptors)
      throws IOException {
    g.writeFieldName(name);
    g.writeStartArray();
    for (Descriptor d : descriptors) {
      d.writeJson(g);
    }
    g.writeEndArray();
  }
}
