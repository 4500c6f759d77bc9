/**
 * The registry HTTP API (OCI distribution): ping, manifests, blobs, uploads and cross-repository
 * mounts, with anonymous, Basic and Bearer-token authentication driven by {@code WWW-Authenticate}
 * challenges and credentials from a {@link dev.ko.registry.Keychain}. Remote images and indexes are
 * exposed through the {@link dev.ko.oci} interfaces, with layers fetched only when needed.
 */
package dev.ko.registry;
