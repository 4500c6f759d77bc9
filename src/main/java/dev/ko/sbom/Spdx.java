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
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * SPDX 2.3 JSON documents for images and indexes, the same bytes ko writes: field order of ko's Go
 * structs, Go's two-space indentation and HTML-safe escaping (so {@code &} is written escaped), and
 * a trailing newline. One deliberate difference: module package IDs are made valid SPDX IDs (ko
 * writes {@code SPDXRef-Package-example.com.app-(devel)}, which SPDX validators reject).
 */
public final class Spdx {
  /** The layer media type of an SPDX attachment (cosign's {@code SPDXJSONMediaType}). */
  public static final MediaType MEDIA_TYPE = new MediaType("text/spdx+json");

  /** The ID under which our SBOM references its base image's SBOM. */
  public static final String BASE_DOCUMENT = "DocumentRef-base-image";

  private static final String NOASSERTION = "NOASSERTION";

  private Spdx() {}

  /**
   * The SBOM of one image: the image contains the main module, which depends on each module in the
   * binary's build info; the image descends from its base when the base annotations say which.
   *
   * @param toolVersion the version in the creator {@code Tool: ko <version>}
   */
  public static byte[] image(String toolVersion, GoBuildInfo info, Image image) {
    return image(toolVersion, info, image, Optional.empty());
  }

  /**
   * As above; when the base has an SPDX SBOM, ours references it as the external document {@value
   * #BASE_DOCUMENT} and the image descends from what that document describes.
   */
  public static byte[] image(
      String toolVersion, GoBuildInfo info, Image image, Optional<BaseSbom> baseSbom) {
    Optional<BaseSbom> external = baseSbom.filter(BaseSbom::spdx);
    Digest digest = image.digest();
    String imageId = packageId(digest);
    List<SpdxPackage> packages = new ArrayList<>();
    List<Relationship> relationships = new ArrayList<>();
    relationships.add(new Relationship("SPDXRef-DOCUMENT", "DESCRIBES", imageId));
    packages.add(
        new SpdxPackage(
            imageId,
            digest.toString(),
            "",
            NOASSERTION,
            "CONTAINER",
            "",
            Purl.oci(
                "image",
                digest,
                List.of(new Purl.Qualifier("mediaType", image.manifest().mediaType().value())))));
    addBase(packages, relationships, image.manifest().annotations(), digest, external);

    GoModule main = info.main();
    Set<String> moduleIds = new HashSet<>();
    String mainId = packageId(main, moduleIds);
    relationships.add(new Relationship(imageId, "CONTAINS", mainId));
    // A GOPATH-mode program has no module (and no version): it is named by its import path, and
    // nothing says where it can be downloaded from.
    boolean gopath = main.version().isEmpty();
    packages.add(
        new SpdxPackage(
            mainId,
            main.path(),
            "",
            gopath ? NOASSERTION : "https://" + main.path(),
            "",
            "",
            gopath ? Purl.golangPackage(main.path()) : Purl.golang(main.path(), main.version())));
    for (GoModule dep : info.deps()) {
      String depId = packageId(dep, moduleIds);
      relationships.add(new Relationship(mainId, "DEPENDS_ON", depId));
      packages.add(
          new SpdxPackage(
              depId,
              dep.path(),
              dep.version(),
              "https://proxy.golang.org/" + dep.path() + "/@v/" + dep.version() + ".zip",
              "",
              h1ToSha256(dep.sum()),
              Purl.golang(dep.path(), dep.version())));
    }
    return write(
        toolVersion, image.configFile().created(), digest, packages, relationships, external);
  }

  /**
   * The SBOM of an index: the index is a variant of each child image, and descends from its base
   * when the base annotations say which. Its date is the first child's.
   */
  public static byte[] index(String toolVersion, ImageIndex index) throws IOException {
    return index(toolVersion, index, Optional.empty());
  }

  /** As above, referencing the base index's SPDX SBOM as {@link #image} does the base image's. */
  public static byte[] index(String toolVersion, ImageIndex index, Optional<BaseSbom> baseSbom)
      throws IOException {
    Optional<BaseSbom> external = baseSbom.filter(BaseSbom::spdx);
    Digest digest = index.digest();
    String indexId = packageId(digest);
    List<SpdxPackage> packages = new ArrayList<>();
    List<Relationship> relationships = new ArrayList<>();
    packages.add(
        new SpdxPackage(
            indexId,
            digest.toString(),
            "",
            NOASSERTION,
            "CONTAINER",
            digest.hex(),
            Purl.oci(
                "index",
                digest,
                List.of(new Purl.Qualifier("mediaType", index.mediaType().value())))));
    addBase(packages, relationships, index.indexManifest().annotations(), digest, external);
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
      String childId = packageId(d.digest());
      relationships.add(new Relationship(indexId, "VARIANT_OF", childId));
      Platform p = d.platform();
      List<Purl.Qualifier> qualifiers = Purl.childQualifiers(d.mediaType(), p);
      packages.add(
          new SpdxPackage(
              childId,
              d.digest().toString(),
              p == null ? "" : p.toString(),
              NOASSERTION,
              "CONTAINER",
              d.digest().hex(),
              Purl.oci("image", d.digest(), qualifiers)));
    }
    if (created == null) {
      throw new IllegalArgumentException(
          "unable to extract date, no images found in index " + digest);
    }
    return write(toolVersion, created, digest, packages, relationships, external);
  }

  /**
   * The base image package and relationship, when both base annotations are present; and, when the
   * base has an SBOM, the relationship to what that document describes.
   */
  private static void addBase(
      List<SpdxPackage> packages,
      List<Relationship> relationships,
      Map<String, String> annotations,
      Digest subject,
      Optional<BaseSbom> external) {
    BaseImage.of(annotations)
        .ifPresent(
            base -> {
              String baseId = packageId(base.digest());
              relationships.add(new Relationship(packageId(subject), "DESCENDANT_OF", baseId));
              external.ifPresent(
                  sbom ->
                      relationships.add(
                          new Relationship(
                              packageId(subject),
                              "DESCENDANT_OF",
                              BASE_DOCUMENT + ":" + sbom.spdxDescribes())));
              packages.add(
                  new SpdxPackage(
                      baseId,
                      base.name(),
                      base.reference().toString(),
                      NOASSERTION,
                      "",
                      base.digest().hex(),
                      base.purl()));
            });
  }

  private static String packageId(Digest digest) {
    return "SPDXRef-Package-" + digest.algorithm() + "-" + digest.hex();
  }

  /**
   * ko's ID for a module, {@code SPDXRef-Package-<path with / as .>-<version>}, with every
   * character SPDX does not allow in IDs (anything but letters, digits, '.' and '-': the
   * parentheses of {@code (devel)}, '_', '~', '+') replaced by '-', so that SPDX validators accept
   * the document. Should two modules end up with the same ID, the later one gets a numeric suffix.
   */
  static String packageId(GoModule module, Set<String> used) {
    String raw =
        module.path().replace('/', '.')
            + (module.version().isEmpty() ? "" : "-" + module.version()); // GOPATH: no version
    StringBuilder id = new StringBuilder("SPDXRef-Package-");
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      boolean allowed =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '-';
      id.append(allowed ? c : '-');
    }
    String unique = id.toString();
    for (int n = 2; !used.add(unique); n++) {
      unique = id + "-" + n;
    }
    return unique;
  }

  /**
   * The hex SHA-256 inside a go.sum {@code h1:} hash; empty when there is none or it is not one.
   */
  static String h1ToSha256(String sum) {
    if (!sum.startsWith("h1:")) {
      return "";
    }
    try {
      return HexFormat.of().formatHex(Base64.getDecoder().decode(sum.substring(3)));
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  /**
   * {@code time.Format("2006-01-02T15:04:05Z")}: the wall-clock time in the time's own zone, then a
   * literal Z.
   */
  static String date(GoTime time) {
    OffsetDateTime t = time.time();
    return String.format(
        Locale.ROOT,
        "%04d-%02d-%02dT%02d:%02d:%02dZ",
        t.getYear(),
        t.getMonthValue(),
        t.getDayOfMonth(),
        t.getHour(),
        t.getMinute(),
        t.getSecond());
  }

  /** A package; empty strings are left out where ko's struct says omitempty. */
  private record SpdxPackage(
      String id,
      String name,
      String version,
      String downloadLocation,
      String purpose,
      String sha256,
      String purl) {}

  private record Relationship(String element, String type, String related) {}

  private static byte[] write(
      String toolVersion,
      GoTime created,
      Digest subject,
      List<SpdxPackage> packages,
      List<Relationship> relationships,
      Optional<BaseSbom> external) {
    byte[] json =
        GoJson.write(
            g -> {
              g.setPrettyPrinter(new GoIndentPrinter());
              g.writeStartObject();
              g.writeStringField("SPDXID", "SPDXRef-DOCUMENT");
              g.writeStringField("name", "sbom-" + subject);
              g.writeStringField("spdxVersion", "SPDX-2.3");
              g.writeObjectFieldStart("creationInfo");
              g.writeStringField("created", date(created));
              g.writeArrayFieldStart("creators");
              g.writeString("Tool: ko " + toolVersion);
              g.writeEndArray();
              g.writeEndObject();
              g.writeStringField("dataLicense", "CC0-1.0");
              g.writeStringField("documentNamespace", "http://spdx.org/spdxdocs/ko/" + subject);
              if (external.isPresent()) {
                // SPDX 2.3 section 6.6: the document's namespace and the SHA1 of its bytes.
                g.writeArrayFieldStart("externalDocumentRefs");
                g.writeStartObject();
                g.writeStringField("externalDocumentId", BASE_DOCUMENT);
                g.writeObjectFieldStart("checksum");
                g.writeStringField("algorithm", "SHA1");
                g.writeStringField("checksumValue", external.get().sha1());
                g.writeEndObject();
                g.writeStringField("spdxDocument", external.get().spdxNamespace());
                g.writeEndObject();
                g.writeEndArray();
              }
              g.writeArrayFieldStart("documentDescribes");
              g.writeString(packageId(subject));
              g.writeEndArray();
              g.writeArrayFieldStart("packages");
              for (SpdxPackage p : packages) {
                writePackage(g, p);
              }
              g.writeEndArray();
              if (!relationships.isEmpty()) {
                g.writeArrayFieldStart("relationships");
                for (Relationship r : relationships) {
                  g.writeStartObject();
                  g.writeStringField("spdxElementId", r.element());
                  g.writeStringField("relationshipType", r.type());
                  g.writeStringField("relatedSpdxElement", r.related());
                  g.writeEndObject();
                }
                g.writeEndArray();
              }
              g.writeEndObject();
            });
    byte[] out = new byte[json.length + 1];
    System.arraycopy(json, 0, out, 0, json.length);
    out[json.length] = '\n';
    return out;
  }

  private static void writePackage(JsonGenerator g, SpdxPackage p) throws IOException {
    g.writeStartObject();
    g.writeStringField("SPDXID", p.id());
    g.writeStringField("name", p.name());
    GoJson.omitEmpty(g, "versionInfo", p.version());
    g.writeBooleanField("filesAnalyzed", false);
    g.writeStringField("licenseDeclared", NOASSERTION);
    g.writeStringField("licenseConcluded", NOASSERTION);
    g.writeStringField("downloadLocation", p.downloadLocation());
    g.writeStringField("copyrightText", NOASSERTION);
    GoJson.omitEmpty(g, "primaryPackagePurpose", p.purpose());
    if (!p.sha256().isEmpty()) {
      g.writeArrayFieldStart("checksums");
      g.writeStartObject();
      g.writeStringField("algorithm", "SHA256");
      g.writeStringField("checksumValue", p.sha256());
      g.writeEndObject();
      g.writeEndArray();
    }
    g.writeArrayFieldStart("externalRefs");
    g.writeStartObject();
    g.writeStringField("referenceCategory", "PACKAGE-MANAGER");
    g.writeStringField("referenceLocator", p.purl());
    g.writeStringField("referenceType", "purl");
    g.writeEndObject();
    g.writeEndArray();
    g.writeEndObject();
  }
}
