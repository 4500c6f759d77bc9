package dev.ko.publish;

import dev.ko.concurrent.Futures;
import dev.ko.log.Log;
import dev.ko.name.Repository;
import dev.ko.name.Tag;
import dev.ko.oci.Artifact;
import dev.ko.oci.Attachment;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.Layer;
import dev.ko.registry.Access;
import dev.ko.registry.RegistryClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;

/**
 * Pushes to a registry the way ko does, minus the waste: nothing is sent when the tag already
 * points at the same manifest; base layers on the same registry are mounted in one request; our
 * layers are checked with HEAD and uploaded only when missing; blobs go up in parallel, each once,
 * before the manifests that name them; children before their index; tags last. Attachments (SBOMs)
 * follow, each under cosign's tag for its subject.
 */
public final class RegistryPublisher implements Publisher {
  private static final String LATEST = "latest";
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private final RegistryClient client;
  private final String base;
  private final Namer namer;
  private final List<String> tags;
  private final boolean tagOnly;
  private final boolean insecure;
  private final Optional<Repository> attachmentRepository;
  private final ExecutorService executor;
  private final Log log;

  /**
   * @param attachmentRepository where attachments go instead of the image's own repository
   *     ({@code COSIGN_REPOSITORY}), if anywhere else
   */
  public RegistryPublisher(
      RegistryClient client, String base, Namer namer, List<String> tags, boolean tagOnly, boolean insecure,
      Optional<Repository> attachmentRepository, ExecutorService executor, Log log) {
    if (tags.isEmpty()) {
      throw new IllegalArgumentException("at least one tag is needed to push");
    }
    if (tagOnly) {
      if (tags.size() != 1) {
        throw new IllegalArgumentException("must specify exactly one tag to resolve images into tag-only references");
      }
      if (tags.get(0).equals(LATEST)) {
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
    this.executor = executor;
    this.log = log;
  }

  @Override
  public String publish(Artifact artifact, String reference) throws IOException {
    String name = namer.name(base, ImportPaths.forRepository(reference));
    List<Tag> targets = new ArrayList<>();
    for (String t : tags) {
      targets.add(Tag.parse(name + ":" + t, insecure));
    }
    Tag first = targets.get(0);
    log.info("Publishing " + first);
    Repository repo = first.repository();
    Access access = Access.push(repo, mountSources(artifact));
    // Attachments upload their blobs alongside the image, but tag themselves only once the image's
    // tags exist, so an SBOM never names an image the registry does not have.
    CompletableFuture<Void> imageTagged = new CompletableFuture<>();
    CompletableFuture<Void> attachments = run(() -> pushAttachments(access, repo, artifact, imageTagged));
    try {
      push(access, repo, artifact, first.tag(), DONE);
      for (Tag other : targets.subList(1, targets.size())) {
        log.info("Tagging " + other);
        putManifestUnlessPresent(access, repo, other.tag(), artifact);
      }
      imageTagged.complete(null);
    } catch (IOException | RuntimeException e) {
      imageTagged.completeExceptionally(e);
      try {
        Futures.join(attachments);
      } catch (IOException | RuntimeException ignored) {
        // stopped because the image failed: that failure is the one to report
      }
      throw e;
    }
    Futures.join(attachments);
    String ref;
    if (tagOnly) {
      ref = name + ":" + tags.get(0);
    } else if (tags.size() == 1 && !tags.get(0).equals(LATEST)) {
      ref = name + ":" + tags.get(0) + "@" + artifact.digest();
    } else {
      ref = name + "@" + artifact.digest();
    }
    log.info("Published " + ref);
    return ref;
  }

  /**
   * The attachments of the artifact and of its children, as cosign stores them: each a small image
   * tagged {@code sha256-<subject hex>.<kind>}, pushed in parallel (unless already there).
   */
  private void pushAttachments(Access imageAccess, Repository imageRepo, Artifact artifact, CompletableFuture<Void> imageTagged)
      throws IOException {
    List<Artifact> subjects = new ArrayList<>(List.of(artifact));
    if (artifact instanceof ImageIndex index) {
      for (Descriptor d : index.indexManifest().manifests()) {
        subjects.add(index.child(d));
      }
    }
    Repository repo = attachmentRepository.orElse(imageRepo);
    Access access = repo.equals(imageRepo) ? imageAccess : Access.push(repo, List.of());
    List<CompletableFuture<Void>> pushes = new ArrayList<>();
    for (Artifact subject : subjects) {
      for (Attachment attachment : Attachment.of(subject)) {
        String tag = attachment.tag(subject.digest());
        pushes.add(run(() -> {
          push(access, repo, attachment.image(), tag, imageTagged);
          log.info("Published " + attachment.name().toUpperCase(Locale.ROOT) + " " + repo + ":" + tag);
        }));
      }
    }
    awaitAll(pushes);
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

  /** Pushes blobs and child manifests, then, once {@code before} is done, the manifest under {@code tag}. */
  private void push(Access access, Repository repo, Artifact artifact, String tag, CompletableFuture<Void> before)
      throws IOException {
    Optional<Descriptor> existing = client.headManifest(access, repo, tag);
    if (existing.isPresent() && existing.get().digest().equals(artifact.digest())) {
      log.info("existing manifest: " + repo + ":" + tag + "@" + artifact.digest());
      return;
    }
    Uploads uploads = new Uploads(access, repo);
    if (artifact instanceof Image image) {
      uploads.pushImage(image);
    } else if (artifact instanceof ImageIndex index) {
      List<CompletableFuture<Void>> children = new ArrayList<>();
      for (Descriptor d : index.indexManifest().manifests()) {
        if (!(index.child(d) instanceof Image child)) {
          throw new IOException("index " + index.digest() + " nests another index; ko builds never do");
        }
        children.add(run(() -> {
          uploads.pushImage(child);
          client.putManifest(access, repo, child.digest().toString(), child.mediaType(), child.rawManifest());
        }));
      }
      awaitAll(children);
    }
    Futures.join(before);
    client.putManifest(access, repo, tag, artifact.mediaType(), artifact.rawManifest());
    log.info(repo + ":" + tag + ": digest: " + artifact.digest() + " size: " + artifact.size());
  }

  private void putManifestUnlessPresent(Access access, Repository repo, String tag, Artifact artifact) throws IOException {
    Optional<Descriptor> existing = client.headManifest(access, repo, tag);
    if (existing.isPresent() && existing.get().digest().equals(artifact.digest())) {
      return;
    }
    client.putManifest(access, repo, tag, artifact.mediaType(), artifact.rawManifest());
  }

  /** The blob uploads of one publish: each digest is sent at most once, however many images share it. */
  private final class Uploads {
    private final Access access;
    private final Repository repo;
    private final ConcurrentMap<Digest, CompletableFuture<Void>> blobs = new ConcurrentHashMap<>();

    Uploads(Access access, Repository repo) {
      this.access = access;
      this.repo = repo;
    }

    void pushImage(Image image) throws IOException {
      List<CompletableFuture<Void>> pending = new ArrayList<>();
      for (Layer layer : image.layers()) {
        pending.add(blob(layer.digest(), () -> pushLayer(layer)));
      }
      byte[] config = image.rawConfig();
      Digest configDigest = image.configDescriptor().digest();
      pending.add(blob(configDigest, () -> pushBytes(configDigest, config)));
      awaitAll(pending);
    }

    private CompletableFuture<Void> blob(Digest digest, IoAction action) {
      return blobs.computeIfAbsent(digest, d -> run(action));
    }

    private void pushLayer(Layer layer) throws IOException {
      Optional<Repository> mountFrom =
          layer.source().filter(s -> s.registry().host().equals(repo.registry().host()));
      if ((mountFrom.isEmpty() || mountFrom.get().path().equals(repo.path()))
          && client.blobExists(access, repo, layer.digest())) {
        log.info("existing blob: " + layer.digest());
        return;
      }
      RegistryClient.Upload upload =
          client.uploadBlob(access, repo, layer.digest(), layer.size(), layer::compressed, mountFrom);
      log.info((upload == RegistryClient.Upload.MOUNTED ? "mounted blob: " : "pushed blob: ") + layer.digest());
    }

    private void pushBytes(Digest digest, byte[] bytes) throws IOException {
      if (client.blobExists(access, repo, digest)) {
        log.info("existing blob: " + digest);
        return;
      }
      client.uploadBlob(access, repo, digest, bytes.length, () -> new ByteArrayInputStream(bytes), Optional.empty());
      log.info("pushed blob: " + digest);
    }
  }

  @FunctionalInterface
  private interface IoAction {
    void run() throws IOException;
  }

  private CompletableFuture<Void> run(IoAction action) {
    return Futures.async(() -> {
      action.run();
      return null;
    }, executor);
  }

  /** Waits for every upload; the first failure stops waiting and is what the caller sees. */
  private static void awaitAll(List<CompletableFuture<Void>> futures) throws IOException {
    for (CompletableFuture<Void> f : futures) {
      try {
        Futures.join(f);
      } catch (IOException | RuntimeException e) {
        futures.forEach(other -> other.cancel(true));
        throw e;
      }
    }
  }
}
