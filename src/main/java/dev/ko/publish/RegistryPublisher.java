package dev.ko.publish;

import dev.ko.concurrent.TaskGroup;
import dev.ko.log.Log;
import dev.ko.name.ImportPath;
import dev.ko.name.Repository;
import dev.ko.name.Tag;
import dev.ko.oci.Artifact;
import dev.ko.oci.Attachment;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.Layer;
import dev.ko.registry.Pusher;
import dev.ko.registry.RegistryClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;

/**
 * Pushes to a registry the way ko does, minus the waste: nothing is sent when the tag already
 * points at the same manifest; base layers on the same registry are mounted in one request; our
 * layers are checked with HEAD and uploaded only when missing; blobs go up in parallel (at most
 * {@code maxUploads} at once across every publish), each once, before the manifests that name them;
 * children before their index. Attachments (SBOMs) are stored under cosign's tag for their subject.
 *
 * <p>Tags move last, and only when everything else is in place: first every blob (the image's and
 * its attachments'), then child manifests and the image manifest by digest, then the attachments'
 * tags (so an SBOM never names an image the registry lacks), then the image's tags, the first one
 * first. A failure anywhere stops the uploads still running and leaves every tag where it was.
 * Non-distributable ("foreign") layers, such as Windows base layers, are never pushed: the registry
 * does not hold them and clients fetch them from their URLs, as in ko.
 */
public final class RegistryPublisher implements Publisher {
  /** ggcr's default number of concurrent uploads, the least we use. */
  static final int MIN_UPLOADS = 4;

  private final RegistryClient client;
  private final String base;
  private final Namer namer;
  private final List<String> tags;
  private final boolean tagOnly;
  private final boolean insecure;
  private final Optional<Repository> attachmentRepository;
  private final Semaphore uploadSlots;
  private final ExecutorService executor;
  private final Log log;

  /**
   * @param attachmentRepository where attachments go instead of the image's own repository ({@code
   *     COSIGN_REPOSITORY}), if anywhere else
   * @param maxUploads the most blob uploads in flight at once (at least {@value #MIN_UPLOADS})
   */
  public RegistryPublisher(
      RegistryClient client,
      String base,
      Namer namer,
      List<String> tags,
      boolean tagOnly,
      boolean insecure,
      Optional<Repository> attachmentRepository,
      int maxUploads,
      ExecutorService executor,
      Log log) {
    if (tags.isEmpty()) {
      throw new IllegalArgumentException("at least one tag is needed to push");
    }
    if (tagOnly) {
      if (tags.size() != 1) {
        throw new IllegalArgumentException(
            "must specify exactly one tag to resolve images into tag-only references");
      }
      if (tags.get(0).equals(References.LATEST)) {
        throw new IllegalArgumentException("latest tag cannot be used in tag-only references");
      }
    }
    this.client = client;
    this.base = base;
    this.namer = namer;
    this.tags = List.copyOf(tags);
    this.tagOnly = tagOnly;
    this.insecure = insecure;
    this.attachmentRepository = attachmentRepository;
    this.uploadSlots = new Semaphore(Math.max(MIN_UPLOADS, maxUploads));
    this.executor = executor;
    this.log = log;
  }

  @Override
  public String publish(Artifact artifact, String reference) throws IOException {
    String name = namer.name(base, ImportPath.forRepository(reference));
    List<Tag> targets = new ArrayList<>();
    for (String t : tags) {
      targets.add(Tag.parse(name + ":" + t, insecure));
    }
    Tag first = targets.get(0);
    log.info("Publishing " + first);
    Repository repo = first.repository();
    Pusher pusher = client.pusher(repo, mountSources(artifact));
    TaskGroup group = new TaskGroup(executor);
    try {
      Uploads uploads = new Uploads(pusher, repo, group);
      CompletableFuture<Boolean> imageCheck =
          group.submit(() -> isPresent(pusher, repo, first.tag(), artifact));
      List<PendingAttachment> attachments = attachments(artifact, uploads, group);
      boolean present = group.joinAll(List.of(imageCheck)).get(0);

      // 1. Every blob, the image's and the attachments', all at once.
      List<CompletableFuture<Void>> blobs = new ArrayList<>();
      if (!present) {
        blobs.add(group.submit(() -> pushBlobs(uploads, artifact)));
      }
      for (PendingAttachment a : attachments) {
        blobs.add(
            group.submit(
                () -> {
                  a.uploads.pushImage(a.image);
                  return null;
                }));
      }
      group.joinAll(blobs);
      // 2. Child manifests by digest; the image's own by digest too when attachments will name it
      // before any tag does.
      if (!present) {
        pushManifestsByDigest(uploads, artifact, !attachments.isEmpty());
      }

      // 3. The attachments' tags, now that their subjects exist.
      List<CompletableFuture<Void>> attachmentTags = new ArrayList<>();
      for (PendingAttachment a : attachments) {
        attachmentTags.add(
            group.submit(
                () -> {
                  a.uploads.putManifest(a.tag, a.image);
                  log.info(
                      "Published "
                          + a.name.toUpperCase(Locale.ROOT)
                          + " "
                          + a.uploads.repo
                          + ":"
                          + a.tag);
                  return null;
                }));
      }
      group.joinAll(attachmentTags);

      // 4. The image's tags, the first one first.
      if (!present) {
        uploads.putManifest(first.tag(), artifact);
        log.info(
            repo
                + ":"
                + first.tag()
                + ": digest: "
                + artifact.digest()
                + " size: "
                + artifact.size());
      }
      for (Tag other : targets.subList(1, targets.size())) {
        log.info("Tagging " + other);
        if (!isPresent(pusher, repo, other.tag(), artifact)) {
          uploads.putManifest(other.tag(), artifact);
        }
      }
    } catch (IOException | RuntimeException | Error e) {
      group.cancel();
      throw e;
    }
    String ref =
        tagOnly ? name + ":" + tags.get(0) : References.withDigest(name, tags, artifact.digest());
    log.info("Published " + ref);
    return ref;
  }

  /** Whether {@code tag} already names this very manifest (then nothing is sent for it). */
  private boolean isPresent(Pusher pusher, Repository repo, String tag, Artifact artifact)
      throws IOException {
    Optional<Descriptor> existing = pusher.headManifest(tag);
    if (existing.isPresent() && existing.get().digest().equals(artifact.digest())) {
      log.info("existing manifest: " + repo + ":" + tag + "@" + artifact.digest());
      return true;
    }
    return false;
  }

  /** An attachment (of the artifact or of one of its children) still to be stored under its tag. */
  private record PendingAttachment(String name, String tag, Image image, Uploads uploads) {}

  /**
   * The attachments of the artifact and of its children, as cosign stores them: each a small image
   * tagged {@code sha256-<subject hex>.<kind>}; those already under their tag are left out.
   */
  private List<PendingAttachment> attachments(
      Artifact artifact, Uploads imageUploads, TaskGroup group) throws IOException {
    List<Artifact> subjects = new ArrayList<>(List.of(artifact));
    if (artifact instanceof ImageIndex index) {
      for (Descriptor d : index.indexManifest().manifests()) {
        subjects.add(index.child(d));
      }
    }
    Repository repo = attachmentRepository.orElse(imageUploads.repo);
    Uploads uploads =
        repo.equals(imageUploads.repo)
            ? imageUploads
            : new Uploads(client.pusher(repo, List.of()), repo, group);
    Map<String, CompletableFuture<Boolean>> checks = new LinkedHashMap<>();
    Map<String, PendingAttachment> byTag = new LinkedHashMap<>();
    for (Artifact subject : subjects) {
      for (Attachment attachment : Attachment.of(subject)) {
        String tag = attachment.tag(subject.digest());
        Image image = attachment.image();
        byTag.put(tag, new PendingAttachment(attachment.name(), tag, image, uploads));
        checks.put(tag, group.submit(() -> isPresent(uploads.pusher, repo, tag, image)));
      }
    }
    List<Boolean> present = group.joinAll(List.copyOf(checks.values()));
    List<PendingAttachment> out = new ArrayList<>();
    int i = 0;
    for (PendingAttachment a : byTag.values()) {
      if (!present.get(i++)) {
        out.add(a);
      }
    }
    return out;
  }

  /** Repositories our base layers come from, so the token also covers pulling them for mounts. */
  private static List<Repository> mountSources(Artifact artifact) throws IOException {
    Set<Repository> sources = new LinkedHashSet<>();
    if (artifact instanceof Image image) {
      image.layers().forEach(l -> l.source().ifPresent(sources::add));
    } else if (artifact instanceof ImageIndex index) {
      for (Descriptor d : index.indexManifest().manifests()) {
        sources.addAll(mountSources(index.child(d)));
      }
    }
    return List.copyOf(sources);
  }

  /** The blobs of the image, or of every child of the index (children in parallel). */
  private Void pushBlobs(Uploads uploads, Artifact artifact) throws IOException {
    if (artifact instanceof Image image) {
      uploads.pushImage(image);
    } else if (artifact instanceof ImageIndex index) {
      List<CompletableFuture<Void>> children = new ArrayList<>();
      for (Image child : children(index)) {
        children.add(
            uploads.group.submit(
                () -> {
                  uploads.pushImage(child);
                  return null;
                }));
      }
      uploads.group.joinAll(children);
    }
    return null;
  }

  /**
   * The children's manifests by digest (in parallel), then, if {@code self}, the artifact's own.
   */
  private void pushManifestsByDigest(Uploads uploads, Artifact artifact, boolean self)
      throws IOException {
    if (artifact instanceof ImageIndex index) {
      List<CompletableFuture<Void>> children = new ArrayList<>();
      for (Image child : children(index)) {
        children.add(
            uploads.group.submit(
                () -> {
                  uploads.putManifest(child.digest().toString(), child);
                  return null;
                }));
      }
      uploads.group.joinAll(children);
    }
    if (self) {
      uploads.putManifest(artifact.digest().toString(), artifact);
    }
  }

  private static List<Image> children(ImageIndex index) throws IOException {
    List<Image> out = new ArrayList<>();
    for (Descriptor d : index.indexManifest().manifests()) {
      if (!(index.child(d) instanceof Image child)) {
        throw new IOException(
            "index " + index.digest() + " nests another index; ko builds never do");
      }
      out.add(child);
    }
    return out;
  }

  /**
   * The blob uploads of one publish: each digest is sent at most once, however many images share
   * it, and no more than {@code uploadSlots} allows at once.
   */
  private final class Uploads {
    private final Pusher pusher;
    private final Repository repo;
    private final TaskGroup group;
    private final ConcurrentMap<Digest, CompletableFuture<Void>> blobs = new ConcurrentHashMap<>();

    Uploads(Pusher pusher, Repository repo, TaskGroup group) {
      this.pusher = pusher;
      this.repo = repo;
      this.group = group;
    }

    void putManifest(String identifier, Artifact artifact) throws IOException {
      pusher.putManifest(identifier, artifact.mediaType(), artifact.rawManifest());
    }

    void pushImage(Image image) throws IOException {
      List<CompletableFuture<Void>> pending = new ArrayList<>();
      for (Layer layer : image.layers()) {
        if (!layer.mediaType().isDistributable()) {
          log.info("skipping foreign layer " + layer.digest() + " (" + layer.mediaType() + ")");
          continue;
        }
        pending.add(blob(layer.digest(), () -> pushLayer(layer)));
      }
      byte[] config = image.rawConfig();
      Digest configDigest = image.configDescriptor().digest();
      pending.add(blob(configDigest, () -> pushBytes(configDigest, config)));
      group.joinAll(pending);
    }

    private CompletableFuture<Void> blob(Digest digest, IoAction action) {
      return blobs.computeIfAbsent(
          digest,
          d ->
              group.submit(
                  () -> {
                    try {
                      uploadSlots.acquire();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                      throw new InterruptedIOException(
                          "interrupted while waiting to upload " + digest);
                    }
                    try {
                      action.run();
                    } finally {
                      uploadSlots.release();
                    }
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
  }

  @FunctionalInterface
  private interface IoAction {
    void run() throws IOException;
  }
}
