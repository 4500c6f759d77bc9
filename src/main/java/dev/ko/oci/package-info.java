/**
 * The OCI image model: digests, media types, descriptors, platforms, manifests, indexes and config
 * files as immutable values, and the {@link dev.ko.oci.Image}, {@link dev.ko.oci.ImageIndex} and
 * {@link dev.ko.oci.Layer} interfaces. Raw bytes are the truth: a digest is always the sha256 of
 * the exact bytes sent, and JSON we generate follows Go's {@code encoding/json} byte for byte so
 * that configs and manifests match ko's. Images are also written to disk as an OCI image layout
 * ({@link dev.ko.oci.OciLayout}) or in {@code docker save} format ({@link
 * dev.ko.oci.DockerArchive}).
 */
package dev.ko.oci;
