/**
 * The registry HTTP API (OCI distribution): ping, manifests, blobs, uploads and cross-repository
 * mounts, with anonymous, Basic and Bearer-token authentication driven by {@code WWW-Authenticate}
 * challenges and credentials from a {@link dev.ko.registry.Keychain} (Docker's config.json with
 * credential helpers, podman's auth.json, {@code GITHUB_TOKEN}); {@code ko login} writes them
 * ({@link dev.ko.registry.DockerLogin}). TLS is verified against the JDK's and Go's root locations
 * ({@link dev.ko.registry.TrustStores}). Remote images and indexes are exposed through the {@link
 * dev.ko.oci} interfaces, with layers fetched only when needed.
 *
 * <p>{@link dev.ko.registry.RegistryClient} holds the endpoints; under it each exchange passes a
 * stack of decorators (see {@code Transport}): redirects, ping, retry, auth, logging, the JDK
 * client. Scopes follow from the operation: {@code pull}, or a {@link dev.ko.registry.Pusher} for
 * one target repository and its mount sources.
 */
package dev.ko.registry;
