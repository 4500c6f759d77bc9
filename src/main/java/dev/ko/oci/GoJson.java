package dev.ko.oci;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * JSON the way Go's {@code encoding/json} writes and reads it, because image digests depend on the
 * exact bytes: compact output, {@code <>&} and U+2028/U+2029 escaped with lowercase hex, control
 * characters as short or four-hex-digit escapes; on input, field names match exactly or, failing
 * that, case-insensitively.
 */
public final class GoJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  // Go writes characters outside the BMP as raw UTF-8; Jackson escapes them as surrogate pairs
  // whenever custom escapes are set, unless told to combine them.
  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();
  private static final CharacterEscapes GO_ESCAPES = new GoEscapes();

  private GoJson() {}

  /** Writes one JSON value with a Go-compatible generator. */
  public static byte[] write(JsonWriter body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.setCharacterEscapes(GO_ESCAPES);
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * A generator body; {@link IOException} only arises from the in-memory sink and is unexpected.
   */
  @FunctionalInterface
  public interface JsonWriter {
    void write(JsonGenerator g) throws IOException;
  }

  /**
   * Go sorts map keys by their UTF-8 bytes, which is code point order; Java's natural String order
   * (UTF-16 units) puts characters above U+FFFF before U+E000..U+FFFF.
   */
  public static final Comparator<String> GO_KEY_ORDER = GoJson::compareCodePoints;

  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  public static ObjectNode parseObject(byte[] json, String what) {
    JsonNode node;
    try {
      node = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("parsing " + what + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("parsing " + what + ": want a JSON object");
    }
    return (ObjectNode) node;
  }

  /**
   * A plain Jackson mapper to share, for JSON whose exact bytes do not matter (registry errors,
   * tokens, credential files, docker-save manifests): a mapper is costly to build and thread-safe
   * once built. Nobody may reconfigure it.
   */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Go's field lookup: the exact name, else a case-insensitive match. */
  public static JsonNode field(JsonNode object, String name) {
    if (object == null || !object.isObject()) {
      return null;
    }
    JsonNode exact = object.get(name);
    if (exact != null) {
      return exact;
    }
    for (Map.Entry<String, JsonNode> e : object.properties()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  public static String string(JsonNode object, String name) {
    JsonNode v = field(object, name);
    if (v == null || v.isNull()) {
      return "";
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(
          "field \"" + name + "\": want a string, got " + v.getNodeType());
    }
    return goString(v.textValue());
  }

  public static long number(JsonNode object, String name) {
    JsonNode v = field(object, name);
    if (v == null || v.isNull()) {
      return 0;
    }
    if (!v.isIntegralNumber()) {
      throw new IllegalArgumentException(
          "field \"" + name + "\": want an integer, got " + v.getNodeType());
    }
    return v.longValue();
  }

  public static boolean bool(JsonNode object, String name) {
    JsonNode v = field(object, name);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw new IllegalArgumentException(
          "field \"" + name + "\": want a boolean, got " + v.getNodeType());
    }
    return v.booleanValue();
  }

  public static List<String> strings(JsonNode object, String name) {
    JsonNode v = field(object, name);
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      throw new IllegalArgumentException("field \"" + name + "\": want a list of strings");
    }
    List<String> out = new ArrayList<>(v.size());
    for (JsonNode item : v) {
      if (!item.isTextual()) {
        throw new IllegalArgumentException("field \"" + name + "\": want a list of strings");
      }
      out.add(goString(item.textValue()));
    }
    return List.copyOf(out);
  }

  public static SortedMap<String, String> stringMap(JsonNode object, String name) {
    JsonNode v = field(object, name);
    SortedMap<String, String> out = new TreeMap<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isObject()) {
      throw new IllegalArgumentException("field \"" + name + "\": want an object of strings");
    }
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      if (!e.getValue().isTextual()) {
        throw new IllegalArgumentException("field \"" + name + "\": want an object of strings");
      }
      out.put(goString(e.getKey()), goString(e.getValue().textValue()));
    }
    return out;
  }

  /** The keys of a Go {@code map[string]struct{}} such as Volumes or ExposedPorts. */
  public static List<String> keys(JsonNode object, String name) {
    JsonNode v = field(object, name);
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isObject()) {
      throw new IllegalArgumentException("field \"" + name + "\": want an object");
    }
    SortedSet<String> out = new TreeSet<>();
    v.fieldNames().forEachRemaining(k -> out.add(goString(k)));
    return List.copyOf(out);
  }

  /**
   * A decoded string as Go holds it: an unpaired surrogate (from a {@code \\uD800} escape) becomes
   * U+FFFD.
   */
  static String goString(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!Character.isSurrogate(c)) {
        if (b != null) {
          b.append(c);
        }
        continue;
      }
      boolean paired =
          Character.isHighSurrogate(c)
              && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1));
      if (paired) {
        if (b != null) {
          b.append(c).append(s.charAt(i + 1));
        }
        i++;
        continue;
      }
      if (b == null) {
        b = new StringBuilder(s.length()).append(s, 0, i);
      }
      b.append('\uFFFD');
    }
    return b == null ? s : b.toString();
  }

  // ---- writing helpers mirroring Go's omitempty ----

  public static void omitEmpty(JsonGenerator g, String name, String value) throws IOException {
    if (value != null && !value.isEmpty()) {
      g.writeStringField(name, value);
    }
  }

  public static void omitEmpty(JsonGenerator g, String name, boolean value) throws IOException {
    if (value) {
      g.writeBooleanField(name, true);
    }
  }

  public static void omitEmpty(JsonGenerator g, String name, long value) throws IOException {
    if (value != 0) {
      g.writeNumberField(name, value);
    }
  }

  public static void omitEmpty(JsonGenerator g, String name, List<String> values)
      throws IOException {
    if (values != null && !values.isEmpty()) {
      g.writeFieldName(name);
      stringArray(g, values);
    }
  }

  public static void stringArray(JsonGenerator g, List<String> values) throws IOException {
    g.writeStartArray();
    for (String v : values) {
      g.writeString(v);
    }
    g.writeEndArray();
  }

  /** A Go {@code map[string]string}: keys sorted, omitted when empty. */
  public static void omitEmpty(JsonGenerator g, String name, Map<String, String> values)
      throws IOException {
    if (values != null && !values.isEmpty()) {
      g.writeFieldName(name);
      g.writeStartObject();
      SortedMap<String, String> sorted = new TreeMap<>(GO_KEY_ORDER);
      sorted.putAll(values);
      for (Map.Entry<String, String> e : sorted.entrySet()) {
        g.writeStringField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
    }
  }

  /** A Go {@code map[string]struct{}}: {@code {"k":{}}}, keys sorted, omitted when empty. */
  public static void omitEmptySet(JsonGenerator g, String name, List<String> keys)
      throws IOException {
    if (keys != null && !keys.isEmpty()) {
      g.writeFieldName(name);
      g.writeStartObject();
      SortedSet<String> sorted = new TreeSet<>(GO_KEY_ORDER);
      sorted.addAll(keys);
      for (String k : sorted) {
        g.writeFieldName(k);
        g.writeStartObject();
        g.writeEndObject();
      }
      g.writeEndObject();
    }
  }

  /**
   * Go's escaping: HTML-safe, lowercase hex, short forms only for backspace, form feed, newline,
   * return and tab.
   */
  private static final class GoEscapes extends CharacterEscapes {
    private final int[] ascii;

    GoEscapes() {
      ascii = CharacterEscapes.standardAsciiEscapesForJSON();
      for (int c = 0; c < 0x20; c++) {
        ascii[c] = CharacterEscapes.ESCAPE_CUSTOM;
      }
      ascii['<'] = CharacterEscapes.ESCAPE_CUSTOM;
      ascii['>'] = CharacterEscapes.ESCAPE_CUSTOM;
      ascii['&'] = CharacterEscapes.ESCAPE_CUSTOM;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return switch (ch) {
        case '\b' -> new SerializedString("\\b");
        case '\f' -> new SerializedString("\\f");
        case '\n' -> new SerializedString("\\n");
        case '\r' -> new SerializedString("\\r");
        case '\t' -> new SerializedString("\\t");
        default ->
            ch < 0x20 || ch == '<' || ch == '>' || ch == '&' || ch == 0x2028 || ch == 0x2029
                ? new SerializedString(String.format("\\u%04x", ch))
                : null;
      };
    }
  }
}
