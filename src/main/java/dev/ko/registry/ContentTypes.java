package dev.ko.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ko.oci.GoJson;
import dev.ko.oci.MediaType;
import java.io.IOException;

/** The media type of a manifest as a registry serves it, sniffed when the header is generic. */
final class ContentTypes {
  private ContentTypes() {}

  /** The media type from a Content-Type header (parameters dropped), else from the document. */
  static String mediaTypeOf(String contentType, byte[] body) {
    String ct = withoutParameters(contentType);
    if (!ct.isEmpty() && !ct.equals("application/json") && !ct.equals("text/plain")) {
      return ct;
    }
    try {
      JsonNode n = GoJson.mapper().readTree(body);
      String mt = n.path("mediaType").asText("");
      if (!mt.isEmpty()) {
        return mt;
      }
      if (n.has("manifests")) {
        return MediaType.OCI_INDEX.value();
      }
      if (n.has("config")) {
        return MediaType.OCI_MANIFEST.value();
      }
    } catch (IOException e) {
      // fall through
    }
    return ct;
  }

  /** A Content-Type without its parameters ({@code ; charset=utf-8}). */
  static String withoutParameters(String contentType) {
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).strip();
  }
}
