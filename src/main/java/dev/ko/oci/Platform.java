package dev.ko.oci;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;

/**
 * An image platform, {@code os[/arch[/variant]][:osversion]}.
 *
 * <p>Empty strings mean "not given"; that matters for matching, where an empty field of a wanted
 * platform is a wildcard.
 */
public record Platform(
    String os,
    String architecture,
    String variant,
    String osVersion,
    List<String> osFeatures,
    List<String> features) {

  public static final Platform LINUX_AMD64 = of("linux", "amd64", "");

  public Platform {
    os = os == null ? "" : os;
    architecture = architecture == null ? "" : architecture;
    variant = variant == null ? "" : variant;
    osVersion = osVersion == null ? "" : osVersion;
    osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
    features = features == null ? List.of() : List.copyOf(features);
  }

  public static Platform of(String os, String architecture, String variant) {
    return new Platform(os, architecture, variant, "", List.of(), List.of());
  }

  /** Parses {@code os[/arch[/variant]][:osversion]}. */
  public static Platform parse(String spec) {
    String s = spec.strip();
    String osVersion = "";
    String[] versionParts = s.split(":", -1);
    if (versionParts.length == 2) {
      osVersion = versionParts[1];
    } else if (versionParts.length > 2) {
      throw new IllegalArgumentException(
          "invalid platform \"" + spec + "\": want os[/arch[/variant]][:osversion]");
    }
    String[] parts = versionParts[0].split("/", -1);
    if (parts.length > 3) {
      throw new IllegalArgumentException(
          "invalid platform \"" + spec + "\": want os[/arch[/variant]][:osversion]");
    }
    return new Platform(
        parts[0],
        parts.length > 1 ? parts[1] : "",
        parts.length > 2 ? parts[2] : "",
        osVersion,
        List.of(),
        List.of());
  }

  static Platform fromJson(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    return new Platform(
        GoJson.string(node, "os"),
        GoJson.string(node, "architecture"),
        GoJson.string(node, "variant"),
        GoJson.string(node, "os.version"),
        GoJson.strings(node, "os.features"),
        GoJson.strings(node, "features"));
  }

  void writeJson(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("architecture", architecture);
    g.writeStringField("os", os);
    GoJson.omitEmpty(g, "os.version", osVersion);
    GoJson.omitEmpty(g, "os.features", osFeatures);
    GoJson.omitEmpty(g, "variant", variant);
    GoJson.omitEmpty(g, "features", features);
    g.writeEndObject();
  }

  /** {@code os/arch[/variant][:osversion]}, as ko prints platforms. */
  @Override
  public String toString() {
    if (os.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder(os);
    if (!architecture.isEmpty()) {
      b.append('/').append(architecture);
    }
    if (!variant.isEmpty()) {
      b.append('/').append(variant);
    }
    if (!osVersion.isEmpty()) {
      b.append(':').append(osVersion);
    }
    return b.toString();
  }
}
