package dev.ko.publish;

import dev.ko.attest.Attestor;
import dev.ko.concurrent.Slots;
import dev.ko.concurrent.TaskGroup;
import dev.ko.log.Log;
import dev.ko.name.ImportPath;
import dev.ko.name.Repository;
import dev.ko.name.Tag;
import dev.ko.oci.Artifact;
import dev.ko.oci.Attachment;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.registry.Pusher;
import dev.ko.registry.RegistryClient;
import dev.ko.sign.CosignSignature;
import dev.ko.sign.Signer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

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
  public static final int MIN_UPLOADS = 4;

  private final RegistryClient client;
  private final String base;
  private final Namer namer;
  private final List<String> tags;
  private final boolean tagOnly;
  private final boolean insecure;
  private final Optional<Repository> attachmentRepository;
  private final Slots uploadSlots;
  private final Optional<Signer> signer;
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
      Optional<Signer> signer,
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
    this.uploadSlots = new Slots(Math.max(MIN_UPLOADS, maxUploads));
    this.signer = signer;
    this.log = log;
  }

  @Override
  public CompletableFuture<String> publish(Artifact built, String reference, TaskGroup tasks) {
    String name = namer.name(base, ImportPath.forRepository(reference));
    List<Tag> targets = new ArrayList<>();
    Pusher pusher;
    Artifact artifact;
    try {
      for (String t : tags) {
        targets.add(Tag.parse(name + ":" + t, insecure));
      }
      artifact = signed(built, targets.get(0).repository());
      pusher = client.pusher(targets.get(0).repository(), mountSources(artifact));
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    Tag first = targets.get(0);
    log.info("Publishing " + first);
    Repository repo = first.repository();
    RepositoryUploads uploads = new RepositoryUploads(pusher, repo, tasks, uploadSlots, log);
    CompletableFuture<Boolean> imageCheck =
        tasks.fork(() -> isPresent(pusher, repo, first.tag(), artifact));
    CompletableFuture<List<PendingAttachment>> pending = attachments(artifact, uploads, tasks);
    return TaskGroup.all(List.of(imageCheck, pending))
        .thenCompose(
            checked -> {
              boolean present = imageCheck.join();
              List<PendingAttachment> attachments = pending.join();
              // 1. Every blob, the image's and the attachments', all at once.
              List<CompletableFuture<Void>> blobs = new ArrayList<>();
              if (!present) {
                blobs.add(pushBlobs(uploads, artifact));
              }
              for (PendingAttachment a : attachments) {
                blobs.add(a.uploads.pushImage(a.image));
              }
              // 2. Child manifests by digest; the image's own by digest too when attachments will
              // name it before any tag does.
              CompletableFuture<Void> manifests =
                  tasks.thenCompose(
                      TaskGroup.all(blobs),
                      done ->
                          present
                              ? CompletableFuture.completedFuture(null)
                              : pushManifestsByDigest(uploads, artifact, !attachments.isEmpty()));
              // 3. The attachments' tags, now that their subjects exist.
              CompletableFuture<List<Void>> attachmentTags =
                  manifests.thenCompose(done -> TaskGroup.all(tagAttachments(attachments, tasks)));
              // 4. The image's tags, the first one first.
              return tasks.then(
                  attachmentTags, done -> tagImage(pusher, uploads, targets, present, artifact));
            })
        .thenApply(
            done -> {
              String ref =
                  tagOnly
                      ? name + ":" + tags.get(0)
                      : References.withDigest(name, tags, artifact.digest());
              log.info("Published " + ref);
              return ref;
            });
  }

  /**
   * The artifact with its cosign signature attached when a signer is set: signing needs only the
   * digest and the repository, both known before anything is pushed, and the signature then travels
   * like the SBOM (pushed after its subject, under {@code sha256-<hex>.sig}). Attestations ({@code
   * sha256-<hex>.att}) are made here too, for the same reason ({@link Attestor}).
   */
  private Artifact signed(Artifact artifact, Repository repo) throws IOException {
    artifact = new Attestor(signer).attest(artifact, repo.toString());
    if (signer.isEmpty()) {
      return artifact;
    }
    List<Attachment> attachments = new ArrayList<>(artifact.attachments());
    attachments.add(CosignSignature.attachment(signer.get(), repo.toString(), artifact.digest()));
    return artifact.withAttachments(attachments);
  }

  private List<CompletableFuture<Void>> tagAttachments(
      List<PendingAttachment> attachments, TaskGroup tasks) {
    List<CompletableFuture<Void>> out = new ArrayList<>();
    for (PendingAttachment a : attachments) {
      out.add(
          tasks.fork(
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
    return out;
  }

  private Void tagImage(
      Pusher pusher,
      RepositoryUploads uploads,
      List<Tag> targets,
      boolean present,
      Artifact artifact)
      throws IOException {
    Tag first = targets.get(0);
    Repository repo = first.repository();
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
    return null;
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
  private record PendingAttachment(
      String name, String tag, Image image, RepositoryUploads uploads) {}

  /**
   * The attachments of the artifact and of its children, as cosign stores them: each a small image
   * tagged {@code sha256-<subject hex>.<kind>}; those already under their tag are left out.
   */
  private CompletableFuture<List<PendingAttachment>> attachments(
      Artifact artifact, RepositoryUploads imageUploads, TaskGroup tasks) {
    List<Artifact> subjects = new ArrayList<>(List.of(artifact));
    try {
      if (artifact instanceof ImageIndex index) {
        for (Descriptor d : index.indexManifest().manifests()) {
          subjects.add(index.child(d));
        }
      }
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    Repository repo = attachmentRepository.orElse(imageUploads.repo);
    RepositoryUploads uploads =
        repo.equals(imageUploads.repo)
            ? imageUploads
            : new RepositoryUploads(client.pusher(repo, List.of()), repo, tasks, uploadSlots, log);
    List<CompletableFuture<Boolean>> checks = new ArrayList<>();
    List<PendingAttachment> all = new ArrayList<>();
    Map<String, Boolean> seen = new LinkedHashMap<>();
    for (Artifact subject : subjects) {
      for (Attachment attachment : subject.attachments()) {
        String tag = attachment.tag(subject.digest());
        if (seen.put(tag, true) != null) {
          continue;
        }
        Image image = attachment.image();
        all.add(new PendingAttachment(attachment.name(), tag, image, uploads));
        checks.add(tasks.fork(() -> isPresent(uploads.pusher, repo, tag, image)));
      }
    }
    return TaskGroup.all(checks)
        .thenApply(
            present -> {
              List<PendingAttachment> out = new ArrayList<>();
              for (int i = 0; i < all.size(); i++) {
                if (!present.get(i)) {
                  out.add(all.get(i));
                }
              }
              return out;
            });
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
  private CompletableFuture<Void> pushBlobs(RepositoryUploads uploads, Artifact artifact) {
    if (artifact instanceof Image image) {
      return uploads.pushImage(image);
    }
    List<CompletableFuture<Void>> children = new ArrayList<>();
    try {
      for (Image child : children((ImageIndex) artifact)) {
        children.add(uploads.pushImage(child));
      }
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return TaskGroup.all(children).thenApply(done -> null);
  }

  /**
   * The children's manifests by digest (in parallel), then, if {@code self}, the artifact's own.
   */
  private CompletableFuture<Void> pushManifestsByDigest(
      RepositoryUploads uploads, Artifact artifact, boolean self) throws IOException {
    List<CompletableFuture<Void>> children = new ArrayList<>();
    if (artifact instanceof ImageIndex index) {
      for (Image child : children(index)) {
        children.add(
            uploads.group.fork(
                () -> {
                  uploads.putManifest(child.digest().toString(), child);
                  return null;
                }));
      }
    }
    return uploads.group.then(
        TaskGroup.all(children),
        done -> {
          if (self) {
            uploads.putManifest(artifact.digest().toString(), artifact);
          }
          return null;
        });
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
}
