package dev.ko.attest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ko.oci.Digest;
import java.io.IOException;

/**
 * An in-toto Statement v1 about one subject: {@code {"_type", "subject": [{"name", "digest":
 * {"sha256"}}], "predicateType", "predicate"}}. The subject's name is its repository, as cosign
 * names it.
 *
 * @param predicate the predicate's JSON object
 */
public record Statement(
    String subjectName, Digest subject, String predicateType, JsonNode predicate) {
  public static final String TYPE = "https://in-toto.io/Statement/v1";

  private static final ObjectMapper JSON = new ObjectMapper();

  public Statement {
    if (predicate == null || !predicate.isObject()) {
      throw new IllegalArgumentException("an in-toto predicate must be a JSON object");
    }
    predicate = predicate.deepCopy();
  }

  /** A statement whose predicate is the JSON document {@code predicate}. */
  public static Statement of(
      String subjectName, Digest subject, String predicateType, byte[] predicate)
      throws IOException {
    return new Statement(subjectName, subject, predicateType, JSON.readTree(predicate));
  }

  /**
   * Reads a statement that {@link #toJson} (or any in-toto Statement v1 writer) wrote about one
   * subject.
   *
   * @throws IOException when the bytes are not such a statement
   */
  public static Statement parse(byte[] json) throws IOException {
    JsonNode root = JSON.readTree(json);
    JsonNode subject = root == null ? null : root.path("subject").path(0);
    if (root == null
        || !TYPE.equals(root.path("_type").asText())
        || root.path("subject").size() != 1
        || !subject.path("digest").path("sha256").isTextual()
        || !root.path("predicateType").isTextual()
        || !root.path("predicate").isObject()) {
      throw new IOException("not an in-toto Statement v1 about one sha256 subject");
    }
    Digest digest;
    try {
      digest = Digest.parse("sha256:" + subject.path("digest").path("sha256").asText());
    } catch (IllegalArgumentException e) {
      throw new IOException("an in-toto statement's subject digest: " + e.getMessage(), e);
    }
    return new Statement(
        subject.path("name").asText(),
        digest,
        root.path("predicateType").asText(),
        root.path("predicate"));
  }

  /** The predicate's JSON bytes, as {@link #toJson} writes them inside the statement. */
  public byte[] predicateJson() throws IOException {
    return JSON.writeValueAsBytes(predicate);
  }

  @Override
  public JsonNode predicate() {
    return predicate.deepCopy();
  }

  /** The statement's JSON bytes, fields in the specification's order. */
  public byte[] toJson() throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("_type", TYPE);
    ObjectNode s = root.putArray("subject").addObject();
    s.put("name", subjectName);
    s.putObject("digest").put(subject.algorithm(), subject.hex());
    root.put("predicateType", predicateType);
    root.set("predicate", predicate);
    return JSON.writeValueAsBytes(root);
  }
}
