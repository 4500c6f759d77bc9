package dev.ko.build;

import dev.ko.name.Repository;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.IndexManifest;
import dev.ko.oci.Manifest;
import dev.ko.oci.MediaType;
import dev.ko.oci.ReferrersIndex;
import dev.ko.registry.RegistryClient;
import dev.ko.sbom.BaseSbom;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Finds a base image's SBOM where cosign and ko put it: the tag {@code sha256-<hex>.sbom} beside
 * the base; and, when attachments are OCI 1.1 referrers, a referrer of the base whose {@code
 * artifactType} is an SBOM media type (from the registry's referrers API, else the referrers tag
 * schema's {@code sha256-<hex>} index). Of several SBOM referrers, the first of the preferred media
 * type by digest is taken, so the choice does not depend on the registry's order.
 */
public final class RegistryBaseSboms implements BaseSboms.Lookup {
  /** The largest SBOM document read, so that a strange base cannot make us download gigabytes. */
  static final long MAX_SIZE = 64L << 20;

  private final RegistryClient client;
  private final boolean referrers;

  /**
   * @param referrers whether referrers are looked at too ({@code --referrers} other than {@code
   *     cosign-tags})
   */
  public RegistryBaseSboms(RegistryClient client, boolean referrers) {
    this.client = client;
    this.referrers = referrers;
  }

  @Override
  public Optional<BaseSbom> find(Repository repository, Digest digest, List<MediaType> mediaTypes)
      throws IOException {
    String tag = digest.algorithm() + "-" + digest.hex() + ".sbom";
    Optional<RegistryClient.Fetched> cosign = client.findManifest(repository, tag);
    if (cosign.isPresent()) {
      Optional<BaseSbom> found = document(repository, cosign.get(), mediaTypes);
      if (found.isPresent()) {
        return found;
      }
    }
    if (!referrers) {
      return Optional.empty();
    }
    Optional<RegistryClient.Fetched> list = client.referrers(repository, digest);
    if (list.isEmpty()) {
      list = client.findManifest(repository, ReferrersIndex.tag(digest));
    }
    if (list.isEmpty() || !list.get().mediaType().equals(MediaType.OCI_INDEX)) {
      return Optional.empty();
    }
    List<Descriptor> listed =
        IndexManifest.parse(list.get().bytes(), MediaType.OCI_INDEX).manifests().stream()
            .sorted(Comparator.comparing(d -> d.digest().toString()))
            .toList();
    for (MediaType type : mediaTypes) {
      for (Descriptor d : listed) {
        if (!d.artifactType().equals(type.value())) {
          continue;
        }
        Optional<RegistryClient.Fetched> referrer =
            client.findManifest(repository, d.digest().toString());
        if (referrer.isPresent()) {
          Optional<BaseSbom> found = document(repository, referrer.get(), List.of(type));
          if (found.isPresent()) {
            return found;
          }
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The SBOM an attachment manifest holds: its first layer of a preferred media type, when it is a
   * document of that type.
   */
  private Optional<BaseSbom> document(
      Repository repository, RegistryClient.Fetched fetched, List<MediaType> mediaTypes)
      throws IOException {
    if (!fetched.mediaType().isImage()) {
      return Optional.empty();
    }
    Manifest manifest = Manifest.parse(fetched.bytes(), fetched.mediaType());
    for (MediaType type : mediaTypes) {
      for (Descriptor layer : manifest.layers()) {
        if (layer.mediaType().equals(type) && layer.size() <= MAX_SIZE) {
          byte[] bytes = client.blob(repository, layer.digest());
          return BaseSbom.of(type, bytes, repository.name() + "@" + fetched.digest());
        }
      }
    }
    return Optional.empty();
  }
}
