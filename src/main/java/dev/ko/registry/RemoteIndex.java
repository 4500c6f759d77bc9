package dev.ko.registry;

import dev.ko.concurrent.Futures;
import dev.ko.name.Repository;
import dev.ko.oci.Artifact;
import dev.ko.oci.Attachment;
import dev.ko.oci.Content;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.IndexManifest;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * An index in a registry; each child (manifest and, for an image, config) is fetched by digest the
 * first time it is asked for, once however many builds and pushes ask.
 */
public final class RemoteIndex implements ImageIndex {
  private final RegistryClient client;
  private final Access access;
  private final Repository repository;
  private final Content<IndexManifest> manifestContent;
  private final List<Attachment> attachments;
  // A cache of what the registry holds under each digest, shared with copies that differ only in
  // attachments: children are the same whichever copy fetches them.
  private final ConcurrentMap<Digest, CompletableFuture<Artifact>> children;

  private RemoteIndex(
      RegistryClient client,
      Access access,
      Repository repository,
      Content<IndexManifest> manifestContent,
      List<Attachment> attachments,
      ConcurrentMap<Digest, CompletableFuture<Artifact>> children) {
    this.client = client;
    this.access = access;
    this.repository = repository;
    this.manifestContent = manifestContent;
    this.attachments = Attachment.copyOf(attachments);
    this.children = children;
  }

  /**
   * @throws IllegalArgumentException when the manifest is not a valid index
   */
  static RemoteIndex load(
      RegistryClient client,
      Access access,
      Repository repository,
      Content<IndexManifest> manifestContent) {
    manifestContent.parsed(); // now, so that a broken index fails the pull that got it
    return new RemoteIndex(
        client, access, repository, manifestContent, List.of(), new ConcurrentHashMap<>());
  }

  /** Where the index was pulled from. */
  public Repository repository() {
    return repository;
  }

  @Override
  public Content<IndexManifest> manifestContent() {
    return manifestContent;
  }

  @Override
  public List<Attachment> attachments() {
    return attachments;
  }

  @Override
  public RemoteIndex withAttachments(List<Attachment> newAttachments) {
    return new RemoteIndex(client, access, repository, manifestContent, newAttachments, children);
  }

  @Override
  public Artifact child(Descriptor descriptor) throws IOException {
    return Futures.once(
        children,
        descriptor.digest(),
        () -> {
          RegistryClient.Fetched child =
              client.getManifest(access, repository, descriptor.digest().toString());
          return client.artifact(access, repository, child);
        });
  }
}
