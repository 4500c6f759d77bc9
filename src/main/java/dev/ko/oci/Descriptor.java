package dev.ko.oci;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** A content descriptor as it appears in manifests and indexes. */
public record Descriptor(
    MediaType mediaType,
    long size,
    Digest digest,
    String data,
    List<String> urls,
    SortedMap<String, String> annotations,
    Platform platform,
    String artifactType) {

  public Descriptor {
    data = data == null ? "" : data;
    urls = urls == null ? List.of() : List.copyOf(urls);
    annotations = annotations == null ? new TreeMap<>() : new TreeMap<>(annotations);
    artifactType = artifactType == null ? "" : artifactType;
  }

  public static Descriptor of(MediaType mediaType, long size, Digest digest) {
    return new Descriptor(mediaType, size, digest, "", List.of(), null, null, "");
  }

  @Override
  public SortedMap<String, String> annotations() {
    return new TreeMap<>(annotations);
  }

  public Descriptor withDigestAndSize(Digest newDigest, long newSize) {
    return new Descriptor(
        mediaType, newSize, newDigest, data, urls, annotations, platform, artifactType);
  }

  public Descriptor withPlatform(Platform p) {
    return new Descriptor(mediaType, size, digest, data, urls, annotations, p, artifactType);
  }

  public Descriptor withAnnotations(Map<String, String> values) {
    return new Descriptor(
        mediaType, size, digest, data, urls, new TreeMap<>(values), platform, artifactType);
  }

  static Descriptor fromJson(JsonNode node) {
    String digest = GoJson.string(node, "digest");
    return new Descriptor(
        new MediaType(GoJson.string(node, "mediaType")),
        GoJson.number(node, "size"),
        Digest.parse(digest),
        GoJson.string(node, "data"),
        GoJson.strings(node, "urls"),
        GoJson.stringMap(node, "annotations"),
        Platform.fromJson(GoJson.field(node, "platform")),
        GoJson.string(node, "artifactType"));
  }

  void writeJson(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("mediaType", mediaType.value());
    g.writeNumberField("size", size);
    g.writeStringField("digest", digest.toString());
    GoJson.omitEmpty(g, "data", data);
    GoJson.omitEmpty(g, "urls", urls);
    GoJson.omitEmpty(g, "annotations", annotations);
    if (platform != null) {
      g.writeFieldName("platform");
      platform.writeJson(g);
    }
    GoJson.omitEmpty(g, "artifactType", artifactType);
    g.writeEndObject();
  }
}
