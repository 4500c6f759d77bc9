package dev.ko.sbom;

import dev.ko.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Package URLs as ko spells them in SBOMs. */
final class Purl {
  private Purl() {}

  /** A purl qualifier; several may share a key. */
  record Qualifier(String key, String value) {}

  /**
   * {@code pkg:oci/<name>@<digest>[?qualifiers]}, the qualifiers encoded as Go's {@code
   * url.Values.Encode} does (keys sorted, values query-escaped).
   */
  static String oci(String name, Digest digest, List<Qualifier> qualifiers) {
    String purl = "pkg:oci/" + name + "@" + digest;
    return qualifiers.isEmpty() ? purl : purl + "?" + encode(qualifiers);
  }

  /**
   * The qualifiers of an index child: its media type, then its platform's parts (none when the
   * index entry names no platform).
   */
  static List<Qualifier> childQualifiers(dev.ko.oci.MediaType mediaType, dev.ko.oci.Platform p) {
    List<Qualifier> qualifiers =
        new ArrayList<>(List.of(new Qualifier("mediaType", mediaType.value())));
    if (p != null) {
      qualifiers.add(new Qualifier("arch", p.architecture()));
      qualifiers.add(new Qualifier("os", p.os()));
      if (!p.variant().isEmpty()) {
        qualifiers.add(new Qualifier("variant", p.variant()));
      }
      if (!p.osVersion().isEmpty()) {
        qualifiers.add(new Qualifier("os-version", p.osVersion()));
      }
      for (String feature : p.osFeatures()) {
        qualifiers.add(new Qualifier("os-feature", feature));
      }
    }
    return qualifiers;
  }

  /**
   * {@code pkg:golang/<path>@<version>?type=module}, with the first two path elements lower-cased
   * when the path has more than two (the purl spec's rule for hosts and owners).
   */
  static String golang(String path, String version) {
    String[] parts = path.split("/", -1);
    String p = path;
    if (parts.length > 2) {
      parts[0] = parts[0].toLowerCase(Locale.ROOT);
      parts[1] = parts[1].toLowerCase(Locale.ROOT);
      p = String.join("/", parts);
    }
    return "pkg:golang/" + p + "@" + version + "?type=module";
  }

  /** A Go package outside any module (GOPATH mode): no version, not {@code type=module}. */
  static String golangPackage(String path) {
    return "pkg:golang/" + path;
  }

  static String encode(List<Qualifier> qualifiers) {
    Map<String, List<String>> byKey = new TreeMap<>();
    for (Qualifier q : qualifiers) {
      byKey.computeIfAbsent(q.key(), k -> new ArrayList<>()).add(q.value());
    }
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, List<String>> e : byKey.entrySet()) {
      for (String v : e.getValue()) {
        if (out.length() > 0) {
          out.append('&');
        }
        out.append(queryEscape(e.getKey())).append('=').append(queryEscape(v));
      }
    }
    return out.toString();
  }

  /** Go's {@code url.QueryEscape}: unreserved bytes kept, space as '+', the rest %XX. */
  static String queryEscape(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '~') {
        out.append((char) c);
      } else if (c == ' ') {
        out.append('+');
      } else {
        out.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
