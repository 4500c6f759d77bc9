package dev.ko.publish;

import dev.ko.concurrent.Futures;
import dev.ko.concurrent.Slots;
import dev.ko.concurrent.TaskGroup;
import dev.ko.log.Log;
import dev.ko.name.Repository;
import dev.ko.oci.Artifact;
import dev.ko.oci.Digest;
import dev.ko.oci.Image;
import dev.ko.oci.Layer;
import dev.ko.registry.Pusher;
import dev.ko.registry.RegistryClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The blob uploads of one publish to one repository: each digest is placed at most once per run,
 * however many images and publishes share it ({@link BlobPlacements}), and no more than {@code
 * uploadSlots} allows at once.
 */
final class RepositoryUploads {
  final Pusher pusher;
  final Repository repo;
  final TaskGroup group;
  private final Slots uploadSlots;
  private final BlobPlacements placements;
  private final Log log;

  RepositoryUploads(
      Pusher pusher,
      Repository repo,
      TaskGroup group,
      Slots uploadSlots,
      BlobPlacements placements,
      Log log) {
    this.pusher = pusher;
    this.repo = repo;
    this.group = group;
    this.uploadSlots = uploadSlots;
    this.placements = placements;
    this.log = log;
  }

  void putManifest(String identifier, Artifact artifact) throws IOException {
    pusher.putManifest(identifier, artifact.mediaType(), artifact.rawManifest());
  }

  CompletableFuture<Void> pushImage(Image image) {
    return pushBlobs(image.layers(), image.configDescriptor().digest(), image.rawConfig());
  }

  /** The blobs of a manifest: its layers (foreign ones skipped) and its config. */
  CompletableFuture<Void> pushBlobs(List<Layer> layers, Digest configDigest, byte[] config) {
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    for (Layer layer : layers) {
      if (!layer.mediaType().isDistributable()) {
        log.info("skipping foreign layer " + layer.digest() + " (" + layer.mediaType() + ")");
        continue;
      }
      pending.add(blob(layer.digest(), () -> pushLayer(layer)));
    }
    pending.add(blob(configDigest, () -> pushBytes(configDigest, config)));
    return TaskGroup.all(pending).thenApply(done -> null);
  }

  /**
   * Each digest once per run, taking an upload slot before its task is submitted; a layer that was
   * being streamed in ({@link StreamedUploads}) and whose stream was abandoned is uploaded now.
   */
  private CompletableFuture<Void> blob(Digest digest, IoAction action) {
    return place(digest, action)
        .exceptionallyCompose(
            e ->
                Futures.cause(e) instanceof StreamedUploads.Abandoned
                    ? place(digest, action)
                    : CompletableFuture.failedFuture(e));
  }

  private CompletableFuture<Void> place(Digest digest, IoAction action) {
    return placements.once(
        repo,
        digest,
        () ->
            group.fork(
                uploadSlots,
                () -> {
                  action.run();
                  return null;
                }));
  }

  private void pushLayer(Layer layer) throws IOException {
    Optional<Repository> mountFrom =
        layer.source().filter(s -> s.registry().host().equals(repo.registry().host()));
    if ((mountFrom.isEmpty() || mountFrom.get().path().equals(repo.path()))
        && pusher.blobExists(layer.digest())) {
      log.info("existing blob: " + layer.digest());
      return;
    }
    RegistryClient.Upload upload =
        pusher.uploadBlob(layer.digest(), layer.size(), layer::compressed, mountFrom);
    log.info(
        (upload == RegistryClient.Upload.MOUNTED ? "mounted blob: " : "pushed blob: ")
            + layer.digest());
  }

  private void pushBytes(Digest digest, byte[] bytes) throws IOException {
    if (pusher.blobExists(digest)) {
      log.info("existing blob: " + digest);
      return;
    }
    pusher.uploadBlob(
        digest, bytes.length, () -> new ByteArrayInputStream(bytes), Optional.empty());
    log.info("pushed blob: " + digest);
  }

  @FunctionalInterface
  private interface IoAction {
    void run() throws IOException;
  }
}
