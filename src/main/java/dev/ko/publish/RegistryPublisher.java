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
import dev.ko.oci.Digest;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.MediaType;
import dev.ko.oci.Referrer;
import dev.ko.oci.ReferrersIndex;
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
 * children before their index. Attachments (SBOMs, signatures) are stored under cosign's tag for
 * their subject, or, with {@link Referrers#oci()} modes, as OCI 1.1 referrers: manifests with a
 * {@code subject}, pushed by digest and listed by the registry's referrers API or, where the
 * registry has none, in the referrers tag's index ({@code sha256-<hex>}), which this publisher
 * reads, extends and writes back. Either way the placement is the same for every kind of
 * attachment.
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
  private final Referrers referrers;
  private final Log log;
  private final boolean trustTags;
  private final BlobPlacements placements;

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
    this(
        client,
        base,
        namer,
        tags,
        tagOnly,
        insecure,
        attachmentRepository,
        maxUploads,
        signer,
        Referrers.COSIGN_TAGS,
        log);
  }

  /** As above, with attachments placed as {@code referrers} says ({@code --referrers}). */
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
      Referrers referrers,
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
    this.referrers = referrers;
    this.log = log;
    this.trustTags = true;
    this.placements = new BlobPlacements();
  }

  private RegistryPublisher(RegistryPublisher p, boolean trustTags, BlobPlacements placements) {
    this.client = p.client;
    this.base = p.base;
    this.namer = p.namer;
    this.tags = p.tags;
    this.tagOnly = p.tagOnly;
    this.insecure = p.insecure;
    this.attachmentRepository = p.attachmentRepository;
    this.uploadSlots = p.uploadSlots;
    this.signer = p.signer;
    this.referrers = p.referrers;
    this.log = p.log;
    this.trustTags = trustTags;
    this.placements = placements;
  }

  /**
   * The same publisher, except that a tag already naming the manifest does not skip its blobs: each
   * is checked and pushed when missing, as for a new image. For a repository known to have lost
   * blobs (a build cache entry found broken).
   */
  public RegistryPublisher checkingEveryBlob() {
    return new RegistryPublisher(this, false, placements);
  }

  /**
   * The same publisher, placing blobs through {@code shared}: for the publishers of one run that
   * push into the same repositories (a build cache's entries), so that none places a blob another
   * has placed. A publisher on its own already places each blob once over all its publishes.
   */
  public RegistryPublisher placingWith(BlobPlacements shared) {
    return new RegistryPublisher(this, trustTags, shared);
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
    RepositoryUploads uploads =
        new RepositoryUploads(pusher, repo, tasks, uploadSlots, placements, log);
    CompletableFuture<Boolean> imageCheck =
        tasks.fork(() -> trustTags && isPresent(pusher, repo, first.tag(), artifact));
    CompletableFuture<List<Pending>> pending =
        referrers.oci()
            ? referrerAttachments(artifact, uploads, tasks)
            : attachments(artifact, uploads, tasks);
    return TaskGroup.all(List.of(imageCheck, pending))
        .thenCompose(
            checked -> {
              boolean present = imageCheck.join();
              List<Pending> attachments = pending.join();
              // 1. Every blob, the image's and the attachments', all at once.
              List<CompletableFuture<Void>> blobs = new ArrayList<>();
              if (!present) {
                blobs.add(pushBlobs(uploads, artifact));
              }
              for (Pending a : attachments) {
                blobs.add(a.pushBlobs());
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
              // 3. The attachments' tags (or referrer manifests), now that their subjects exist.
              CompletableFuture<List<Void>> attachmentTags =
                  manifests.thenCompose(
                      done ->
                          TaskGroup.all(
                              referrers.oci()
                                  ? placeReferrers(attachments, tasks)
                                  : tagAttachments(attachments, tasks)));
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

  private List<CompletableFuture<Void>> tagAttachments(List<Pending> attachments, TaskGroup tasks) {
    List<CompletableFuture<Void>> out = new ArrayList<>();
    for (Pending pending : attachments) {
      PendingAttachment a = (PendingAttachment) pending;
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

  /** An attachment (of the artifact or of one of its children) still to be placed. */
  private sealed interface Pending permits PendingAttachment, PendingReferrer {
    /** Its blobs, pushed with the image's. */
    CompletableFuture<Void> pushBlobs();
  }

  /** An attachment still to be stored under its cosign tag. */
  private record PendingAttachment(String name, String tag, Image image, RepositoryUploads uploads)
      implements Pending {
    @Override
    public CompletableFuture<Void> pushBlobs() {
      return uploads.pushImage(image);
    }
  }

  /** An attachment still to be pushed as a referrer of {@code referrer.subject()}. */
  private record PendingReferrer(String name, Referrer referrer, RepositoryUploads uploads)
      implements Pending {
    @Override
    public CompletableFuture<Void> pushBlobs() {
      return uploads.pushBlobs(referrer.layers(), Referrer.EMPTY.digest(), referrer.rawConfig());
    }
  }

  /** The artifact and, for an index, its children: everything attachments may describe. */
  private static List<Artifact> subjects(Artifact artifact) throws IOException {
    List<Artifact> subjects = new ArrayList<>(List.of(artifact));
    if (artifact instanceof ImageIndex index) {
      for (Descriptor d : index.indexManifest().manifests()) {
        subjects.add(index.child(d));
      }
    }
    return subjects;
  }

  /** Where attachments go: {@code COSIGN_REPOSITORY}'s uploads, else the image's own. */
  private RepositoryUploads attachmentUploads(RepositoryUploads imageUploads, TaskGroup tasks) {
    Repository repo = attachmentRepository.orElse(imageUploads.repo);
    return repo.equals(imageUploads.repo)
        ? imageUploads
        : new RepositoryUploads(
            client.pusher(repo, List.of()), repo, tasks, uploadSlots, placements, log);
  }

  /**
   * The attachments of the artifact and of its children as OCI 1.1 referrers, each of its subject.
   * None is left out: a referrer is put again even when the registry has it, since the answer says
   * whether the registry lists it (and the referrers tag may lack it after an interrupted push).
   */
  private CompletableFuture<List<Pending>> referrerAttachments(
      Artifact artifact, RepositoryUploads imageUploads, TaskGroup tasks) {
    List<Pending> out = new ArrayList<>();
    try {
      RepositoryUploads uploads = attachmentUploads(imageUploads, tasks);
      for (Artifact subject : subjects(artifact)) {
        Descriptor described = Descriptor.of(subject.mediaType(), subject.size(), subject.digest());
        for (Attachment attachment : subject.attachments()) {
          out.add(new PendingReferrer(attachment.name(), attachment.referrer(described), uploads));
        }
      }
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(out);
  }

  /**
   * Pushes the referrers by digest, one task per subject (its referrers tag is read and written by
   * that task alone), and lists those the registry does not list itself in the subject's referrers
   * tag, as the distribution spec's fallback says.
   */
  private List<CompletableFuture<Void>> placeReferrers(List<Pending> attachments, TaskGroup tasks) {
    Map<Digest, List<PendingReferrer>> bySubject = new LinkedHashMap<>();
    for (Pending p : attachments) {
      PendingReferrer r = (PendingReferrer) p;
      bySubject.computeIfAbsent(r.referrer.subject().digest(), d -> new ArrayList<>()).add(r);
    }
    List<CompletableFuture<Void>> out = new ArrayList<>();
    bySubject.forEach(
        (subject, list) ->
            out.add(
                tasks.fork(
                    () -> {
                      placeReferrers(subject, list);
                      return null;
                    })));
    return out;
  }

  private void placeReferrers(Digest subject, List<PendingReferrer> list) throws IOException {
    RepositoryUploads uploads = list.get(0).uploads;
    List<Descriptor> unlisted = new ArrayList<>();
    for (PendingReferrer r : list) {
      Referrer referrer = r.referrer;
      Optional<String> answer =
          uploads.pusher.putReferrer(
              referrer.digest(), referrer.mediaType(), referrer.rawManifest());
      boolean listed = answer.isPresent() && answer.get().equals(subject.toString());
      String what = r.name.toUpperCase(Locale.ROOT) + " " + uploads.repo + "@" + referrer.digest();
      if (referrers == Referrers.API && !listed) {
        throw new IOException(
            "pushing "
                + what
                + ": the registry answered without OCI-Subject: "
                + subject
                + ", so it has no OCI referrers API (--referrers=api); use --referrers=auto or"
                + " tag");
      }
      log.info("Published " + what + " (referrer of " + subject + ")");
      if (referrers == Referrers.TAG || !listed) {
        unlisted.add(referrer.descriptor());
      }
    }
    if (unlisted.isEmpty()) {
      return;
    }
    String tag = ReferrersIndex.tag(subject);
    Optional<RegistryClient.Fetched> existing = uploads.pusher.findManifest(tag);
    Optional<byte[]> updated;
    try {
      updated =
          ReferrersIndex.adding(
              existing.map(RegistryClient.Fetched::mediaType),
              existing.map(RegistryClient.Fetched::bytes),
              unlisted);
    } catch (IllegalArgumentException e) {
      throw new IOException(
          "referrers tag " + uploads.repo + ":" + tag + ": " + e.getMessage() + "; left as it is",
          e);
    }
    if (updated.isPresent()) {
      uploads.pusher.putManifest(tag, MediaType.OCI_INDEX, updated.get());
      log.info("Published referrers index " + uploads.repo + ":" + tag);
    }
  }

  /**
   * The attachments of the artifact and of its children, as cosign stores them: each a small image
   * tagged {@code sha256-<subject hex>.<kind>}; those already under their tag are left out.
   */
  private CompletableFuture<List<Pending>> attachments(
      Artifact artifact, RepositoryUploads imageUploads, TaskGroup tasks) {
    List<Artifact> subjects;
    try {
      subjects = subjects(artifact);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    RepositoryUploads uploads = attachmentUploads(imageUploads, tasks);
    Repository repo = uploads.repo;
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
        checks.add(tasks.fork(() -> trustTags && isPresent(uploads.pusher, repo, tag, image)));
      }
    }
    return TaskGroup.all(checks)
        .thenApply(
            present -> {
              List<Pending> out = new ArrayList<>();
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
