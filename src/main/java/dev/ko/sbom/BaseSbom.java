package dev.ko.sbom;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ko.oci.Digest;
import dev.ko.oci.GoJson;
import dev.ko.oci.MediaType;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The SBOM of a base image, found where cosign and ko put it, which our SBOM then references.
 *
 * @param mediaType the SBOM's media type, {@link Spdx#MEDIA_TYPE} or {@link CycloneDx#MEDIA_TYPE}
 * @param document the SBOM document's bytes, exactly as stored
 * @param location the artifact that holds it, by digest: {@code <repository>@sha256:<hex>}
 * @param spdxNamespace an SPDX document's {@code documentNamespace}; empty for CycloneDX
 * @param spdxDescribes the SPDX ID of what an SPDX document describes ({@code SPDXRef-DOCUMENT}
 *     when it names nothing); empty for CycloneDX
 */
@SuppressWarnings("ArrayRecordComponent") // copied in and out
public record BaseSbom(
    MediaType mediaType,
    byte[] document,
    String location,
    String spdxNamespace,
    String spdxDescribes) {
  /** The SBOM media types a base SBOM can have, ours ({@code preferred}) first. */
  public static List<MediaType> mediaTypes(SbomOptions.Format preferred) {
    return preferred == SbomOptions.Format.CYCLONEDX
        ? List.of(CycloneDx.MEDIA_TYPE, Spdx.MEDIA_TYPE)
        : List.of(Spdx.MEDIA_TYPE, CycloneDx.MEDIA_TYPE);
  }

  public BaseSbom {
    document = document.clone();
  }

  @Override
  public byte[] document() {
    return document.clone();
  }

  /**
   * The base SBOM in {@code document}, when it is an SPDX JSON document with a namespace or a
   * CycloneDX JSON BOM, as its media type says; else empty (it cannot be referenced).
   */
  public static Optional<BaseSbom> of(MediaType mediaType, byte[] document, String location) {
    JsonNode doc;
    try {
      doc = GoJson.mapper().readTree(document);
    } catch (IOException e) {
      return Optional.empty();
    }
    if (doc == null || !doc.isObject()) {
      return Optional.empty();
    }
    if (mediaType.equals(Spdx.MEDIA_TYPE)) {
      JsonNode ns = doc.get("documentNamespace");
      if (ns == null || !ns.isTextual() || ns.asText().isEmpty()) {
        return Optional.empty();
      }
      JsonNode describes = doc.path("documentDescribes").path(0);
      String described =
          describes.isTextual() && describes.asText().startsWith("SPDXRef-")
              ? describes.asText()
              : "SPDXRef-DOCUMENT";
      return Optional.of(new BaseSbom(mediaType, document, location, ns.asText(), described));
    }
    if (mediaType.equals(CycloneDx.MEDIA_TYPE)
        && "CycloneDX".equals(doc.path("bomFormat").asText())) {
      return Optional.of(new BaseSbom(mediaType, document, location, "", ""));
    }
    return Optional.empty();
  }

  /** Whether it is an SPDX document (which SPDX's external document references require). */
  public boolean spdx() {
    return mediaType.equals(Spdx.MEDIA_TYPE);
  }

  /** The hex SHA-1 of the document's bytes, the checksum SPDX 2.3 asks for. */
  public String sha1() {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(document));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The hex SHA-256 of the document's bytes (its blob digest). */
  public String sha256() {
    return Digest.of(document).hex();
  }
}
