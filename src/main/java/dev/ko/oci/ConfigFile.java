package dev.ko.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * An image config file, modelled field for field on go-containerregistry's {@code v1.ConfigFile}
 * because ko re-serialises base configs through that struct: field order, omitempty and the
 * always-present zero {@code created} all come from it.
 */
public record ConfigFile(
    String architecture,
    String author,
    String container,
    GoTime created,
    String dockerVersion,
    List<History> history,
    String os,
    String rootfsType,
    List<Digest> diffIds,
    ContainerConfig config,
    String osVersion,
    String variant,
    List<String> osFeatures) {

  public ConfigFile {
    architecture = nullToEmpty(architecture);
    author = nullToEmpty(author);
    container = nullToEmpty(container);
    created = created == null ? GoTime.ZERO : created;
    dockerVersion = nullToEmpty(dockerVersion);
    history = history == null ? List.of() : List.copyOf(history);
    os = nullToEmpty(os);
    rootfsType = nullToEmpty(rootfsType);
    diffIds = diffIds == null ? List.of() : List.copyOf(diffIds);
    config = config == null ? ContainerConfig.EMPTY : config;
    osVersion = nullToEmpty(osVersion);
    variant = nullToEmpty(variant);
    osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
  }

  public static ConfigFile parse(byte[] json) {
    ObjectNode node = GoJson.parseObject(json, "config file");
    try {
      List<History> history = new ArrayList<>();
      JsonNode h = GoJson.field(node, "history");
      if (h != null && h.isArray()) {
        for (JsonNode entry : h) {
          history.add(History.fromJson(entry));
        }
      }
      JsonNode rootfs = GoJson.field(node, "rootfs");
      List<Digest> diffIds = new ArrayList<>();
      for (String d : GoJson.strings(rootfs, "diff_ids")) {
        diffIds.add(Digest.parse(d));
      }
      return new ConfigFile(
          GoJson.string(node, "architecture"),
          GoJson.string(node, "author"),
          GoJson.string(node, "container"),
          time(node, "created"),
          GoJson.string(node, "docker_version"),
          history,
          GoJson.string(node, "os"),
          GoJson.string(rootfs, "type"),
          diffIds,
          ContainerConfig.fromJson(GoJson.field(node, "config")),
          GoJson.string(node, "os.version"),
          GoJson.string(node, "variant"),
          GoJson.strings(node, "os.features"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("parsing config file: " + e.getMessage(), e);
    }
  }

  static GoTime time(JsonNode node, String name) {
    String s = GoJson.string(node, name);
    return s.isEmpty() ? GoTime.ZERO : GoTime.parse(s);
  }

  /** The platform this config describes, or null when it names none. */
  public Platform platform() {
    if (os.isEmpty()
        && architecture.isEmpty()
        && osVersion.isEmpty()
        && variant.isEmpty()
        && osFeatures.isEmpty()) {
      return null;
    }
    return new Platform(os, architecture, variant, osVersion, osFeatures, List.of());
  }

  public ConfigFile withConfig(ContainerConfig value) {
    return new ConfigFile(
        architecture,
        author,
        container,
        created,
        dockerVersion,
        history,
        os,
        rootfsType,
        diffIds,
        value,
        osVersion,
        variant,
        osFeatures);
  }

  public ConfigFile withAuthor(String value) {
    return new ConfigFile(
        architecture,
        value,
        container,
        created,
        dockerVersion,
        history,
        os,
        rootfsType,
        diffIds,
        config,
        osVersion,
        variant,
        osFeatures);
  }

  public ConfigFile withCreated(GoTime value) {
    return new ConfigFile(
        architecture,
        author,
        container,
        value,
        dockerVersion,
        history,
        os,
        rootfsType,
        diffIds,
        config,
        osVersion,
        variant,
        osFeatures);
  }

  /** Appends layers' diffIDs and their history entries. */
  public ConfigFile withAddedLayers(List<Digest> newDiffIds, List<History> newHistory) {
    List<Digest> ids = new ArrayList<>(diffIds);
    ids.addAll(newDiffIds);
    List<History> hist = new ArrayList<>(history);
    hist.addAll(newHistory);
    return new ConfigFile(
        architecture,
        author,
        container,
        created,
        dockerVersion,
        hist,
        os,
        rootfsType.isEmpty() ? "layers" : rootfsType,
        ids,
        config,
        osVersion,
        variant,
        osFeatures);
  }

  public byte[] toJson() {
    return GoJson.write(
        g -> {
          g.writeStartObject();
          g.writeStringField("architecture", architecture);
          GoJson.omitEmpty(g, "author", author);
          GoJson.omitEmpty(g, "container", container);
          g.writeStringField("created", created.toString());
          GoJson.omitEmpty(g, "docker_version", dockerVersion);
          if (!history.isEmpty()) {
            g.writeFieldName("history");
            g.writeStartArray();
            for (History h : history) {
              h.writeJson(g);
            }
            g.writeEndArray();
          }
          g.writeStringField("os", os);
          g.writeFieldName("rootfs");
          g.writeStartObject();
          g.writeStringField("type", rootfsType);
          g.writeFieldName("diff_ids");
          g.writeStartArray();
          for (Digest d : diffIds) {
            g.writeString(d.toString());
          }
          g.writeEndArray();
          g.writeEndObject();
          g.writeFieldName("config");
          config.writeJson(g);
          GoJson.omitEmpty(g, "os.version", osVersion);
          GoJson.omitEmpty(g, "variant", variant);
          GoJson.omitEmpty(g, "os.features", osFeatures);
          g.writeEndObject();
        });
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
