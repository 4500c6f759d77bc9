/**
 * Where built images go and what reference comes back: a registry (blobs skipped when present,
 * mounted across repositories when possible, uploaded otherwise; manifests after their blobs; tags
 * last), or nowhere ({@code --push=false}), with ko's naming rules ({@link dev.ko.publish.Namer}).
 */
package dev.ko.publish;
