package dev.ko.buildcache;

import dev.ko.attest.Attestor;
import dev.ko.attest.Provenance;
import dev.ko.attest.Statement;
import dev.ko.concurrent.TaskGroup;
import dev.ko.log.Log;
import dev.ko.name.Repository;
import dev.ko.oci.Artifact;
import dev.ko.oci.Attachment;
import dev.ko.oci.BuiltImage;
import dev.ko.oci.BuiltIndex;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.Layer;
import dev.ko.publish.BlobPlacements;
import dev.ko.publish.Namer;
import dev.ko.publish.RegistryPublisher;
import dev.ko.registry.Pusher;
import dev.ko.registry.RegistryClient;
import dev.ko.registry.RegistryException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The entries of a cache repository: an artifact pushed under the tag {@code kojvm-<key>} with its
 * SBOM as cosign's {@code sha256-<digest>.sbom} tag beside it (and its SLSA provenance as the
 * unsigned statement of cosign's {@code sha256-<digest>.att} tag), looked up whole or not at all,
 * and recorded with its own layers mountable from the cache repository. One instance serves the
 * whole-artifact and the per-platform lookups of a run.
 */
public final class CacheEntries {
  private final RegistryClient client;
  private final Repository repository;
  private final boolean insecure;
  private final Attached attached;
  private final BlobPlacements placements;
  private final Log log;

  /**
   * What a build attaches to each image and index, which an entry must then carry too.
   *
   * @param sbom an SBOM
   * @param provenance an SLSA provenance predicate ({@code --provenance})
   */
  public record Attached(boolean sbom, boolean provenance) {}

  /**
   * @param repository the cache repository
   * @param insecure whether it may be reached over plain HTTP or unverified TLS
   * @param placements the run's blob placements: entries recorded at once share blobs (a base
   *     layer, the kodata layer), which each must not place again under another's manifest PUT
   */
  public CacheEntries(
      RegistryClient client,
      Repository repository,
      boolean insecure,
      Attached attached,
      BlobPlacements placements,
      Log log) {
    this.client = client;
    this.repository = repository;
    this.insecure = insecure;
    this.attached = attached;
    this.placements = placements;
    this.log = log;
  }

  /**
   * What the cache holds under a key: a whole entry, nothing, or an entry that cannot be used (and
   * is then recorded again with every blob checked).
   */
  record Lookup(Optional<Artifact> hit, boolean broken) {
    static final Lookup ABSENT = new Lookup(Optional.empty(), false);
    static final Lookup BROKEN = new Lookup(Optional.empty(), true);
  }

  /** The entry under the key, if there is a whole one. */
  Lookup lookUp(String key) {
    String tag = RegistryCachingBuilder.TAG_PREFIX + key;
    try {
      Pusher check = client.pusher(repository, List.of());
      if (check.headManifest(tag).isEmpty()) {
        return Lookup.ABSENT;
      }
      return new Lookup(Optional.of(complete(check, client.pull(repository.tag(tag)))), false);
    } catch (IOException | RuntimeException e) {
      log.info(
          "warning: build cache: entry "
              + repository
              + ":"
              + tag
              + " cannot be used, building: "
              + message(e));
      return Lookup.BROKEN;
    }
  }

  /**
   * The entry as a fresh build gives it: for an index, each platform's image with its own
   * attachments and the index with its own. The attachments are the SBOM, when the build makes
   * SBOMs, and the provenance predicate, when it makes provenance: the one recorded by the build
   * the entry reuses, which is the build that made these bytes.
   *
   * @throws IOException when a blob the entry names is gone, or an attachment is missing or corrupt
   */
  private Artifact complete(Pusher check, Artifact artifact) throws IOException {
    if (artifact instanceof ImageIndex index) {
      Map<Digest, Artifact> children = new HashMap<>();
      for (Descriptor d : index.indexManifest().manifests()) {
        children.put(d.digest(), complete(check, index.child(d)));
      }
      artifact = new BuiltIndex(index.manifestContent(), children, List.of());
    } else {
      requireBlobs(check, (Image) artifact);
    }
    if (attached.sbom()) {
      artifact = artifact.withAttachment(sbom(check, artifact.digest()));
    }
    if (attached.provenance()) {
      artifact = artifact.withAttachment(provenance(check, artifact.digest()));
    }
    return artifact;
  }

  /**
   * Fails unless the image's config describes its layers (one diffID each) and every blob the image
   * names is in the cache repository.
   */
  private static void requireBlobs(Pusher check, Image image) throws IOException {
    int diffIds = image.configFile().diffIds().size();
    if (diffIds != image.layers().size()) {
      throw new IOException(
          "its config names " + diffIds + " layers, its manifest " + image.layers().size());
    }
    List<Digest> blobs = new ArrayList<>();
    blobs.add(image.configDescriptor().digest());
    for (Layer l : image.layers()) {
      blobs.add(l.digest());
    }
    for (Digest d : blobs) {
      if (!check.blobExists(d)) {
        throw new IOException("blob " + d + " is gone");
      }
    }
  }

  private Attachment sbom(Pusher check, Digest subject) throws IOException {
    String tag = attachmentTag(subject, "sbom");
    Image file = attachmentImage(check, tag, "SBOM");
    if (file.layers().size() != 1) {
      throw new IOException(tag + " is not a one-file attachment");
    }
    Layer layer = file.layers().get(0);
    return new Attachment("sbom", layer.mediaType(), read(tag, layer));
  }

  /**
   * The provenance predicate of the statement about {@code subject} under its {@code .att} tag,
   * which an entry's recorder (no signer) pushes as the bare statement.
   */
  private Attachment provenance(Pusher check, Digest subject) throws IOException {
    String tag = attachmentTag(subject, Attestor.ATTACHMENT);
    Image file = attachmentImage(check, tag, "provenance");
    for (Layer layer : file.layers()) {
      if (!layer.mediaType().equals(Attestor.STATEMENT_MEDIA_TYPE)) {
        continue;
      }
      Statement s = Statement.parse(read(tag, layer));
      if (s.predicateType().equals(Provenance.PREDICATE_TYPE) && s.subject().equals(subject)) {
        return Provenance.attachment(s.predicateJson());
      }
    }
    throw new IOException(tag + " has no provenance statement about " + subject);
  }

  private static String attachmentTag(Digest subject, String suffix) {
    return subject.algorithm() + "-" + subject.hex() + "." + suffix;
  }

  private Image attachmentImage(Pusher check, String tag, String what) throws IOException {
    if (check.headManifest(tag).isEmpty()) {
      throw new IOException("it has no " + what + " (" + repository + ":" + tag + ")");
    }
    if (!(client.pull(repository.tag(tag)) instanceof Image file)) {
      throw new IOException(tag + " is not an image");
    }
    return file;
  }

  private static byte[] read(String tag, Layer layer) throws IOException {
    byte[] bytes;
    try (InputStream in = layer.compressed()) {
      bytes = in.readAllBytes();
    }
    if (!Digest.of(bytes).equals(layer.digest())) {
      throw new IOException(tag + ": the file does not match its digest");
    }
    return bytes;
  }

  /**
   * Pushes the fresh build to the cache repository under its key; a failure is a warning, and the
   * build is used all the same.
   */
  CompletableFuture<Artifact> record(
      Artifact built, String reference, String key, boolean broken, TaskGroup tasks) {
    RegistryPublisher recorder =
        new RegistryPublisher(
                client,
                repository.name(),
                Namer.bare(),
                List.of(RegistryCachingBuilder.TAG_PREFIX + key),
                false,
                insecure,
                Optional.empty(),
                RegistryPublisher.MIN_UPLOADS,
                Optional.empty(), // cache entries are not signed: the target's publisher signs
                log)
            .placingWith(placements);
    // A broken entry may name this very manifest with its blobs gone: check each one again.
    RegistryPublisher publisher = broken ? recorder.checkingEveryBlob() : recorder;
    return publisher
        .publish(built, reference, tasks)
        .handle(
            (ref, e) -> {
              if (e != null) {
                log.info("warning: build cache: could not record " + key + ": " + message(e));
                return built;
              }
              log.debug("build cache: recorded " + key + " as " + ref);
              try {
                return mountable(built);
              } catch (IOException | RuntimeException notMountable) {
                return built;
              }
            });
  }

  /**
   * The recorded artifact, the same bytes, with each layer that came from no repository (the
   * build's own) mountable from the cache repository, where it now is.
   */
  private Artifact mountable(Artifact built) throws IOException {
    if (built instanceof ImageIndex index) {
      Map<Digest, Artifact> children = new HashMap<>();
      for (Descriptor d : index.indexManifest().manifests()) {
        children.put(d.digest(), mountable(index.child(d)));
      }
      return new BuiltIndex(index.manifestContent(), children, index.attachments());
    }
    Image image = (Image) built;
    List<Layer> layers = new ArrayList<>();
    for (Layer l : image.layers()) {
      layers.add(l.source().isPresent() ? l : new RecordedLayer(l, repository));
    }
    return new BuiltImage(
        image.manifestContent(), image.configContent(), layers, image.attachments());
  }

  static String message(Throwable e) {
    Throwable t = e;
    while ((t instanceof java.util.concurrent.CompletionException
            || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof RegistryException) {
      return t.getMessage();
    }
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }
}
