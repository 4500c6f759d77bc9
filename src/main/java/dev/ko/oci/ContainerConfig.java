package dev.ko.oci;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ko.oci.GoStruct.Field;
import dev.ko.oci.GoStruct.Kind;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The execution parameters of an image config ({@code "config": {...}}), with exactly the fields
 * go-containerregistry models, in its order. Fields it does not model are dropped, as in ko.
 */
public final class ContainerConfig {
  private static final List<Field> HEALTH =
      List.of(
          new Field("Test", Kind.STRINGS),
          new Field("Interval", Kind.LONG),
          new Field("Timeout", Kind.LONG),
          new Field("StartPeriod", Kind.LONG),
          new Field("StartInterval", Kind.LONG),
          new Field("Retries", Kind.LONG));

  private static final List<Field> FIELDS =
      List.of(
          new Field("AttachStderr", Kind.BOOL),
          new Field("AttachStdin", Kind.BOOL),
          new Field("AttachStdout", Kind.BOOL),
          new Field("Cmd", Kind.STRINGS),
          new Field("Healthcheck", Kind.STRUCT, HEALTH),
          new Field("Domainname", Kind.STRING),
          new Field("Entrypoint", Kind.STRINGS),
          new Field("Env", Kind.STRINGS),
          new Field("Hostname", Kind.STRING),
          new Field("Image", Kind.STRING),
          new Field("Labels", Kind.STRING_MAP),
          new Field("OnBuild", Kind.STRINGS),
          new Field("OpenStdin", Kind.BOOL),
          new Field("StdinOnce", Kind.BOOL),
          new Field("Tty", Kind.BOOL),
          new Field("User", Kind.STRING),
          new Field("Volumes", Kind.SET),
          new Field("WorkingDir", Kind.STRING),
          new Field("ExposedPorts", Kind.SET),
          new Field("ArgsEscaped", Kind.BOOL),
          new Field("NetworkDisabled", Kind.BOOL),
          new Field("MacAddress", Kind.STRING),
          new Field("StopSignal", Kind.STRING),
          new Field("Shell", Kind.STRINGS));

  public static final ContainerConfig EMPTY = new ContainerConfig(GoStruct.empty(FIELDS));

  private final GoStruct fields;

  private ContainerConfig(GoStruct fields) {
    this.fields = fields;
  }

  static ContainerConfig fromJson(JsonNode node) {
    return node == null || node.isNull()
        ? EMPTY
        : new ContainerConfig(GoStruct.fromJson(FIELDS, node));
  }

  void writeJson(JsonGenerator g) throws IOException {
    fields.writeJson(g);
  }

  public List<String> entrypoint() {
    return strings("Entrypoint");
  }

  public List<String> cmd() {
    return strings("Cmd");
  }

  public List<String> env() {
    return strings("Env");
  }

  public String user() {
    return string("User");
  }

  public String workingDir() {
    return string("WorkingDir");
  }

  @SuppressWarnings("unchecked")
  public SortedMap<String, String> labels() {
    Object v = fields.get("Labels");
    return v == null ? new TreeMap<>() : new TreeMap<>((Map<String, String>) v);
  }

  public ContainerConfig withEntrypoint(List<String> value) {
    return new ContainerConfig(fields.with("Entrypoint", List.copyOf(value)));
  }

  public ContainerConfig withCmd(List<String> value) {
    return new ContainerConfig(fields.with("Cmd", List.copyOf(value)));
  }

  public ContainerConfig withEnv(List<String> value) {
    return new ContainerConfig(fields.with("Env", List.copyOf(value)));
  }

  public ContainerConfig withUser(String value) {
    return new ContainerConfig(fields.with("User", value));
  }

  public ContainerConfig withLabels(Map<String, String> value) {
    return new ContainerConfig(fields.with("Labels", new TreeMap<>(value)));
  }

  @SuppressWarnings("unchecked")
  private List<String> strings(String name) {
    Object v = fields.get(name);
    return v == null ? List.of() : (List<String>) v;
  }

  private String string(String name) {
    Object v = fields.get(name);
    return v == null ? "" : (String) v;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ContainerConfig c && c.fields.equals(fields);
  }

  @Override
  public int hashCode() {
    return fields.hashCode();
  }
}
