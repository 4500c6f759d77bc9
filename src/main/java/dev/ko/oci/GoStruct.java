package dev.ko.oci;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;

/**
 * An immutable value shaped like a Go struct whose fields are all {@code omitempty}: a fixed field
 * list (the serialisation order) and only non-empty values stored. Decoding drops unknown fields,
 * as Go does, which is how ko ends up dropping them from base configs.
 */
final class GoStruct {
  enum Kind {
    BOOL,
    LONG,
    STRING,
    STRINGS,
    STRING_MAP,
    SET,
    STRUCT
  }

  record Field(String name, Kind kind, List<Field> nested) {
    Field(String name, Kind kind) {
      this(name, kind, List.of());
    }
  }

  private final List<Field> schema;
  private final Map<String, Object> values;

  private GoStruct(List<Field> schema, Map<String, Object> values) {
    this.schema = schema;
    this.values = values;
  }

  static GoStruct empty(List<Field> schema) {
    return new GoStruct(schema, Map.of());
  }

  static GoStruct fromJson(List<Field> schema, JsonNode node) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Field f : schema) {
      Object v =
          switch (f.kind) {
            case BOOL -> GoJson.bool(node, f.name);
            case LONG -> GoJson.number(node, f.name);
            case STRING -> GoJson.string(node, f.name);
            case STRINGS -> GoJson.strings(node, f.name);
            case STRING_MAP -> GoJson.stringMap(node, f.name);
            case SET -> GoJson.keys(node, f.name);
            case STRUCT -> {
              JsonNode n = GoJson.field(node, f.name);
              yield n == null || n.isNull() ? null : fromJson(f.nested, n);
            }
          };
      if (!isEmpty(f, v)) {
        values.put(f.name, v);
      }
    }
    return new GoStruct(schema, Map.copyOf(values));
  }

  Object get(String name) {
    return values.get(name);
  }

  /** A copy with one field set; an empty value removes it, as omitempty would. */
  GoStruct with(String name, Object value) {
    Field f = schema.stream().filter(x -> x.name.equals(name)).findFirst().orElseThrow();
    Map<String, Object> copy = new LinkedHashMap<>(values);
    if (isEmpty(f, value)) {
      copy.remove(name);
    } else {
      copy.put(name, value);
    }
    return new GoStruct(schema, Map.copyOf(copy));
  }

  @SuppressWarnings("unchecked")
  void writeJson(JsonGenerator g) throws IOException {
    g.writeStartObject();
    for (Field f : schema) {
      Object v = values.get(f.name);
      if (v == null) {
        continue;
      }
      switch (f.kind) {
        case BOOL -> g.writeBooleanField(f.name, true);
        case LONG -> g.writeNumberField(f.name, (Long) v);
        case STRING -> g.writeStringField(f.name, (String) v);
        case STRINGS -> GoJson.omitEmpty(g, f.name, (List<String>) v);
        case STRING_MAP -> GoJson.omitEmpty(g, f.name, (SortedMap<String, String>) v);
        case SET -> GoJson.omitEmptySet(g, f.name, (List<String>) v);
        case STRUCT -> {
          g.writeFieldName(f.name);
          ((GoStruct) v).writeJson(g);
        }
      }
    }
    g.writeEndObject();
  }

  private static boolean isEmpty(Field f, Object v) {
    if (v == null) {
      return true;
    }
    return switch (f.kind) {
      case BOOL -> !(Boolean) v;
      case LONG -> (Long) v == 0;
      case STRING -> ((String) v).isEmpty();
      case STRINGS, SET -> ((List<?>) v).isEmpty();
      case STRING_MAP -> ((Map<?, ?>) v).isEmpty();
      case STRUCT -> false; // a pointer to a struct is emitted even when its fields are empty
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GoStruct s && s.schema.equals(schema) && s.values.equals(values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(schema, values);
  }
}
