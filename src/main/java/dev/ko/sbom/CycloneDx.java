package dev.ko.sbom;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.ko.oci.Artifact;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.GoJson;
import dev.ko.oci.GoTime;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.MediaType;
import dev.ko.oci.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * CycloneDX 1.6 JSON documents for images and indexes, with what our SPDX documents say: the image
 * (or index) is the BOM's subject, its base image its pedigree ancestor; the image holds the main
 * module, which depends on each module of the binary's build info (purl, and the SHA-256 inside the
 * go.sum hash); the Go toolchain is a component too ({@code pkg:golang/stdlib}, as scanners look it
 * up). The serial number is a name-based UUID of the subject's digest, so the same image gives the
 * same bytes.
 */
public final class CycloneDx {
  /** The layer media type of a CycloneDX attachment (cosign's {@code CycloneDXJSONMediaType}). */
  public static final MediaType MEDIA_TYPE = new MediaType("application/vnd.cyclonedx+json");

  private static final String SPEC_VERSION = "1.6";

  /** How the base SBOM's location is written as a URL: skopeo's and the provenance's scheme. */
  static final String BASE_SBOM_SCHEME = "docker://";

  private CycloneDx() {}

  /**
   * The SBOM of one image.
   *
   * @param toolVersion the version of the {@code ko} tool component
   */
  public static byte[] image(String toolVersion, GoBuildInfo info, Image image) {
    return image(toolVersion, info, image, Optional.empty());
  }

  /**
   * As above; when the base has an SBOM (SPDX or CycloneDX), the base's pedigree entry references
   * it ({@code externalReferences} of type {@code bom}, by digest, with its SHA-256).
   */
  public static byte[] image(
      String toolVersion, GoBuildInfo info, Image image, Optional<BaseSbom> baseSbom) {
    Digest digest = image.digest();
    Component subject = subject("image", digest, image.manifest().mediaType());
    List<Component> components = new ArrayList<>();
    List<Dependency> dependencies = new ArrayList<>();
    Set<String> refs = new HashSet<>(Set.of(subject.ref()));
    GoModule main = info.main();
    boolean gopath = main.version().isEmpty();
    String mainPurl =
        gopath ? Purl.golangPackage(main.path()) : Purl.golang(main.path(), main.version());
    Component mainComponent =
        new Component(
            unique(mainPurl, refs), "application", main.path(), main.version(), mainPurl, "", "");
    components.add(mainComponent);
    List<String> mainDeps = new ArrayList<>();
    for (GoModule dep : info.deps()) {
      String purl = Purl.golang(dep.path(), dep.version());
      Component c =
          new Component(
              unique(purl, refs),
              "library",
              dep.path(),
              dep.version(),
              purl,
              Spdx.h1ToSha256(dep.sum()),
              "https://proxy.golang.org/" + dep.path() + "/@v/" + dep.version() + ".zip");
      components.add(c);
      mainDeps.add(c.ref());
    }
    List<String> imageDeps = new ArrayList<>(List.of(mainComponent.ref()));
    if (!info.goVersion().isEmpty()) {
      String version = info.goVersion();
      String purl =
          "pkg:golang/stdlib@" + (version.startsWith("go") ? version.substring(2) : version);
      Component go = new Component(unique(purl, refs), "library", "stdlib", version, purl, "", "");
      components.add(go);
      mainDeps.add(go.ref());
    }
    dependencies.add(new Dependency(subject.ref(), imageDeps));
    dependencies.add(new Dependency(mainComponent.ref(), mainDeps));
    for (String d : mainDeps) {
      dependencies.add(new Dependency(d, List.of()));
    }
    return write(
        toolVersion,
        image.configFile().created(),
        subject,
        BaseImage.of(image.manifest().annotations()),
        baseSbom,
        components,
        dependencies);
  }

  /** The BOM's subject: the image or index itself, by digest, with its {@code pkg:oci} purl. */
  private static Component subject(String kind, Digest digest, MediaType mediaType) {
    return new Component(
        ref(digest),
        "container",
        digest.toString(),
        "",
        Purl.oci(kind, digest, List.of(new Purl.Qualifier("mediaType", mediaType.value()))),
        digest.hex(),
        "");
  }

  /** The SBOM of an index: each child image is a component; the date is the first child's. */
  public static byte[] index(String toolVersion, ImageIndex index) throws IOException {
    return index(toolVersion, index, Optional.empty());
  }

  /** As above, referencing the base index's SBOM as {@link #image} does the base image's. */
  public static byte[] index(String toolVersion, ImageIndex index, Optional<BaseSbom> baseSbom)
      throws IOException {
    Digest digest = index.digest();
    Component subject = subject("index", digest, index.mediaType());
    List<Component> components = new ArrayList<>();
    List<String> children = new ArrayList<>();
    GoTime created = null;
    for (Descriptor d : index.indexManifest().manifests()) {
      if (!d.mediaType().isImage()) {
        throw new IllegalArgumentException("unknown media type: " + d.mediaType());
      }
      if (created == null) {
        Artifact child = index.child(d);
        if (!(child instanceof Image image)) {
          throw new IllegalArgumentException("unknown media type: " + child.mediaType());
        }
        created = image.configFile().created();
      }
      Platform p = d.platform();
      Component c =
          new Component(
              ref(d.digest()),
              "container",
              d.digest().toString(),
              p == null ? "" : p.toString(),
              Purl.oci("image", d.digest(), Purl.childQualifiers(d.mediaType(), p)),
              d.digest().hex(),
              "");
      if (!children.contains(c.ref())) {
        components.add(c);
        children.add(c.ref());
      }
    }
    if (created == null) {
      throw new IllegalArgumentException(
          "unable to extract date, no images found in index " + digest);
    }
    List<Dependency> dependencies = new ArrayList<>();
    dependencies.add(new Dependency(subject.ref(), children));
    for (String c : children) {
      dependencies.add(new Dependency(c, List.of()));
    }
    return write(
        toolVersion,
        created,
        subject,
        BaseImage.of(index.indexManifest().annotations()),
        baseSbom,
        components,
        dependencies);
  }

  /** The bom-ref of an image or index: its digest. */
  private static String ref(Digest digest) {
    return digest.toString();
  }

  /** {@code ref}, or with a numeric suffix should another component have it already. */
  private static String unique(String ref, Set<String> used) {
    String out = ref;
    for (int n = 2; !used.add(out); n++) {
      out = ref + "#" + n;
    }
    return out;
  }

  /** The serial number: a name-based (version 3) UUID of the subject's digest. */
  static String serialNumber(String subject) {
    return "urn:uuid:"
        + UUID.nameUUIDFromBytes(("ko-sbom:" + subject).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A component; empty strings are left out.
   *
   * @param sha256 a hex SHA-256 for {@code hashes}
   * @param distribution a download URL for {@code externalReferences}
   */
  private record Component(
      String ref,
      String type,
      String name,
      String version,
      String purl,
      String sha256,
      String distribution) {}

  private record Dependency(String ref, List<String> dependsOn) {}

  private static byte[] write(
      String toolVersion,
      GoTime created,
      Component subject,
      Optional<BaseImage> base,
      Optional<BaseSbom> baseSbom,
      List<Component> components,
      List<Dependency> dependencies) {
    byte[] json =
        GoJson.write(
            g -> {
              g.setPrettyPrinter(new GoIndentPrinter());
              g.writeStartObject();
              g.writeStringField("$schema", "http://cyclonedx.org/schema/bom-1.6.schema.json");
              g.writeStringField("bomFormat", "CycloneDX");
              g.writeStringField("specVersion", SPEC_VERSION);
              g.writeStringField("serialNumber", serialNumber(subject.name()));
              g.writeNumberField("version", 1);
              g.writeObjectFieldStart("metadata");
              g.writeStringField("timestamp", Spdx.date(created));
              g.writeObjectFieldStart("tools");
              g.writeArrayFieldStart("components");
              g.writeStartObject();
              g.writeStringField("type", "application");
              g.writeStringField("name", "ko");
              GoJson.omitEmpty(g, "version", toolVersion);
              g.writeEndObject();
              g.writeEndArray();
              g.writeEndObject();
              g.writeFieldName("component");
              writeComponent(g, subject, base, baseSbom);
              g.writeEndObject();
              g.writeArrayFieldStart("components");
              for (Component c : components) {
                writeComponent(g, c, Optional.empty(), Optional.empty());
              }
              g.writeEndArray();
              g.writeArrayFieldStart("dependencies");
              for (Dependency d : dependencies) {
                g.writeStartObject();
                g.writeStringField("ref", d.ref());
                if (!d.dependsOn().isEmpty()) {
                  g.writeFieldName("dependsOn");
                  GoJson.stringArray(g, d.dependsOn());
                }
                g.writeEndObject();
              }
              g.writeEndArray();
              g.writeEndObject();
            });
    byte[] out = new byte[json.length + 1];
    System.arraycopy(json, 0, out, 0, json.length);
    out[json.length] = '\n';
    return out;
  }

  private static void writeComponent(
      JsonGenerator g, Component c, Optional<BaseImage> base, Optional<BaseSbom> baseSbom)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("bom-ref", c.ref());
    g.writeStringField("type", c.type());
    g.writeStringField("name", c.name());
    GoJson.omitEmpty(g, "version", c.version());
    if (!c.sha256().isEmpty()) {
      writeHash(g, c.sha256());
    }
    g.writeStringField("purl", c.purl());
    if (!c.distribution().isEmpty()) {
      g.writeArrayFieldStart("externalReferences");
      g.writeStartObject();
      g.writeStringField("url", c.distribution());
      g.writeStringField("type", "distribution");
      g.writeEndObject();
      g.writeEndArray();
    }
    if (base.isPresent()) {
      BaseImage b = base.get();
      // The image was made from its base: the base is its ancestor (CycloneDX pedigree).
      g.writeObjectFieldStart("pedigree");
      g.writeArrayFieldStart("ancestors");
      g.writeStartObject();
      g.writeStringField("bom-ref", b.digest().toString() + "#base");
      g.writeStringField("type", "container");
      g.writeStringField("name", b.name());
      g.writeStringField("version", b.reference().toString());
      writeHash(g, b.digest().hex());
      g.writeStringField("purl", b.purl());
      if (baseSbom.isPresent()) {
        BaseSbom sbom = baseSbom.get();
        g.writeArrayFieldStart("externalReferences");
        g.writeStartObject();
        g.writeStringField("url", BASE_SBOM_SCHEME + sbom.location());
        g.writeStringField("comment", "the base image's SBOM (" + sbom.mediaType().value() + ")");
        g.writeStringField("type", "bom");
        writeHash(g, sbom.sha256());
        g.writeEndObject();
        g.writeEndArray();
      }
      g.writeEndObject();
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  private static void writeHash(JsonGenerator g, String sha256) throws IOException {
    g.writeArrayFieldStart("hashes");
    g.writeStartObject();
    g.writeStringField("alg", "SHA-256");
    g.writeStringField("content", sha256);
    g.writeEndObject();
    g.writeEndArray();
  }
}
