package dev.ko.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** An OCI image index or Docker manifest list, serialised in go-containerregistry's field order. */
public record IndexManifest(
    long schemaVersion,
    MediaType mediaType,
    List<Descriptor> manifests,
    SortedMap<String, String> annotations,
    Descriptor subject) {

  public IndexManifest {
    manifests = List.copyOf(manifests);
    annotations = annotations == null ? new TreeMap<>() : new TreeMap<>(annotations);
  }

  @Override
  public SortedMap<String, String> annotations() {
    return new TreeMap<>(annotations);
  }

  public static IndexManifest parse(byte[] json, MediaType fallbackType) {
    ObjectNode node = GoJson.parseObject(json, "index");
    String mt = GoJson.string(node, "mediaType");
    List<Descriptor> manifests = new ArrayList<>();
    JsonNode list = GoJson.field(node, "manifests");
    if (list != null && list.isArray()) {
      for (JsonNode d : list) {
        manifests.add(Descriptor.fromJson(d));
      }
    }
    JsonNode subject = GoJson.field(node, "subject");
    return new IndexManifest(
        GoJson.number(node, "schemaVersion"),
        mt.isEmpty() ? fallbackType : new MediaType(mt),
        manifests,
        GoJson.stringMap(node, "annotations"),
        subject == null || subject.isNull() ? null : Descriptor.fromJson(subject));
  }

  public byte[] toJson() {
    return GoJson.write(
        g -> {
          g.writeStartObject();
          g.writeNumberField("schemaVersion", schemaVersion);
          if (mediaType != null) {
            GoJson.omitEmpty(g, "mediaType", mediaType.value());
          }
          Manifest.writeDescriptors(g, "manifests", manifests);
          GoJson.omitEmpty(g, "annotations", annotations);
          if (subject != null) {
            g.writeFieldName("subject");
            subject.writeJson(g);
          }
          g.writeEndObject();
        });
  }
}
