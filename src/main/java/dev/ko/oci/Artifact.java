package dev.ko.oci;

/** Something a registry stores under a manifest: an {@link Image} or an {@link ImageIndex}. */
public sealed interface Artifact permits Image, ImageIndex {
  MediaType mediaType();

  /** The exact manifest bytes; the digest is their sha256. */
  byte[] rawManifest();

  Digest digest();

  default long size() {
    return rawManifest().length;
  }
}
