package dev.ko.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Published JSON schemas checked into test resources ({@code schemas/<name>/SOURCE.md} names each
 * source), validated with networknt's json-schema-validator: their {@code $id} URLs are mapped to
 * the resources, so nothing is fetched.
 */
public final class JsonSchemas {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> PREFIXES =
      Map.of(
          "http://cyclonedx.org/schema/", "classpath:schemas/cyclonedx/",
          "https://in-toto.io/schemas/", "classpath:schemas/intoto/",
          "https://slsa.dev/schemas/", "classpath:schemas/intoto/");

  private JsonSchemas() {}

  /** The CycloneDX 1.6 schema. */
  public static List<String> cycloneDx16(byte[] document) throws IOException {
    return problems(
        SpecVersion.VersionFlag.V7, "http://cyclonedx.org/schema/bom-1.6.schema.json", document);
  }

  /** The in-toto Statement v1 schema (written from the specification, see its SOURCE.md). */
  public static List<String> inTotoStatementV1(byte[] document) throws IOException {
    return problems(
        SpecVersion.VersionFlag.V7,
        "https://in-toto.io/schemas/statement-v1.schema.json",
        document);
  }

  /** The SLSA provenance v1 predicate schema (written from the specification). */
  public static List<String> slsaProvenanceV1(byte[] predicate) throws IOException {
    return problems(
        SpecVersion.VersionFlag.V7,
        "https://slsa.dev/schemas/provenance-v1.schema.json",
        predicate);
  }

  /** The problems the schema at {@code id} (mapped to a resource) finds; empty when valid. */
  public static List<String> problems(SpecVersion.VersionFlag version, String id, byte[] document)
      throws IOException {
    JsonSchemaFactory factory =
        JsonSchemaFactory.getInstance(
            version, b -> b.schemaMappers(m -> PREFIXES.forEach(m::mapPrefix)));
    JsonSchema schema = factory.getSchema(SchemaLocation.of(id));
    JsonNode node = JSON.readTree(document);
    return schema.validate(node).stream().map(ValidationMessage::getMessage).sorted().toList();
  }
}
