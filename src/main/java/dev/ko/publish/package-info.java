/**
 * Where built images go and what reference comes back: a registry (blobs skipped when present,
 * mounted across repositories when possible, uploaded otherwise; manifests after their blobs; tags
 * last), an OCI image layout, a {@code docker save} tarball, a Docker Engine ({@code ko.local}),
 * kind nodes ({@code kind.local}), or nowhere ({@code --push=false}); combined, recorded for {@code
 * --image-refs} and memoised as ko composes them, with ko's naming rules ({@link
 * dev.ko.publish.Namer}).
 */
package dev.ko.publish;
