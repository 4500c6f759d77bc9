package dev.ko.oci;

/** The OCI annotation keys ko writes, spelled once for the builder and the SBOM. */
public final class Annotations {
  /** The base image's reference, normalised ({@code index.docker.io/library/...}). */
  public static final String BASE_NAME = "org.opencontainers.image.base.name";

  /** The digest of the base image or index the image was built on. */
  public static final String BASE_DIGEST = "org.opencontainers.image.base.digest";

  private Annotations() {}
}
