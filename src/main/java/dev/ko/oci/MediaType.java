package dev.ko.oci;

/** A media type string. Unknown values are kept as they are, so they round-trip. */
public record MediaType(String value) {
  public static final MediaType OCI_MANIFEST =
      new MediaType("application/vnd.oci.image.manifest.v1+json");
  public static final MediaType OCI_INDEX =
      new MediaType("application/vnd.oci.image.index.v1+json");
  public static final MediaType OCI_CONFIG =
      new MediaType("application/vnd.oci.image.config.v1+json");
  public static final MediaType OCI_LAYER =
      new MediaType("application/vnd.oci.image.layer.v1.tar+gzip");

  /**
   * The OCI empty descriptor's type: the two-byte config {@code {}} of an artifact that has no
   * config of its own (image-spec 1.1).
   */
  public static final MediaType OCI_EMPTY = new MediaType("application/vnd.oci.empty.v1+json");

  public static final MediaType DOCKER_MANIFEST =
      new MediaType("application/vnd.docker.distribution.manifest.v2+json");
  public static final MediaType DOCKER_MANIFEST_LIST =
      new MediaType("application/vnd.docker.distribution.manifest.list.v2+json");
  public static final MediaType DOCKER_CONFIG =
      new MediaType("application/vnd.docker.container.image.v1+json");
  public static final MediaType DOCKER_LAYER =
      new MediaType("application/vnd.docker.image.rootfs.diff.tar.gzip");
  public static final MediaType DOCKER_FOREIGN_LAYER =
      new MediaType("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip");

  public MediaType {
    if (value == null) {
      throw new IllegalArgumentException("media type must not be null");
    }
  }

  public boolean isIndex() {
    return equals(OCI_INDEX) || equals(DOCKER_MANIFEST_LIST);
  }

  public boolean isImage() {
    return equals(OCI_MANIFEST) || equals(DOCKER_MANIFEST);
  }

  /**
   * Whether registries may hold blobs of this type. Foreign (non-distributable) layers, such as
   * Windows base layers, are fetched by clients from the descriptor's URLs and never pushed.
   */
  public boolean isDistributable() {
    return !equals(DOCKER_FOREIGN_LAYER)
        && !value.startsWith("application/vnd.oci.image.layer.nondistributable.");
  }

  /** Every manifest type a registry may answer with, for the Accept header. */
  public static String acceptAllManifests() {
    return String.join(
        ", ",
        OCI_INDEX.value,
        DOCKER_MANIFEST_LIST.value,
        OCI_MANIFEST.value,
        DOCKER_MANIFEST.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
