package dev.ko.oci;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/** One entry of a config's history. {@code created} is always written, zero or not (Go struct). */
public record History(
    String author, GoTime created, String createdBy, String comment, boolean emptyLayer) {
  public History {
    author = author == null ? "" : author;
    created = created == null ? GoTime.ZERO : created;
    createdBy = createdBy == null ? "" : createdBy;
    comment = comment == null ? "" : comment;
  }

  static History fromJson(JsonNode node) {
    return new History(
        GoJson.string(node, "author"),
        ConfigFile.time(node, "created"),
        GoJson.string(node, "created_by"),
        GoJson.string(node, "comment"),
        GoJson.bool(node, "empty_layer"));
  }

  void writeJson(JsonGenerator g) throws IOException {
    g.writeStartObject();
    GoJson.omitEmpty(g, "author", author);
    g.writeStringField("created", created.toString());
    GoJson.omitEmpty(g, "created_by", createdBy);
    GoJson.omitEmpty(g, "comment", comment);
    GoJson.omitEmpty(g, "empty_layer", emptyLayer);
    g.writeEndObject();
  }
}
