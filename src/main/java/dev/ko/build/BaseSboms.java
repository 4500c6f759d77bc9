package dev.ko.build;

import dev.ko.concurrent.Futures;
import dev.ko.concurrent.TaskGroup;
import dev.ko.log.Log;
import dev.ko.name.Repository;
import dev.ko.oci.Digest;
import dev.ko.oci.MediaType;
import dev.ko.sbom.BaseSbom;
import dev.ko.sbom.SbomOptions;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The SBOMs of base images (by repository and digest), which our SBOMs reference: each looked up
 * once per run, on the run's tasks, while the build goes on. Not finding one, for whatever reason
 * (none there, no access, a registry error, an unreadable document), means the base has none: a
 * debug line, never a failure.
 */
public final class BaseSboms {
  /** Finds the SBOM of a base image or index. */
  @FunctionalInterface
  public interface Lookup {
    /** Never looks anything up: no base has an SBOM. */
    Lookup NONE = (repository, digest, mediaTypes) -> Optional.empty();

    /**
     * The SBOM of {@code digest} in {@code repository}, of one of {@code mediaTypes} (preferred
     * first), or empty when it has none.
     */
    Optional<BaseSbom> find(Repository repository, Digest digest, List<MediaType> mediaTypes)
        throws IOException;
  }

  /** Never looks anything up. */
  public static final BaseSboms NONE = new BaseSboms(Lookup.NONE, SbomOptions.NONE, null, Log.NONE);

  private final Lookup lookup;
  private final List<MediaType> mediaTypes;
  private final TaskGroup tasks;
  private final Log log;
  private final ConcurrentMap<String, CompletableFuture<Optional<BaseSbom>>> cache =
      new ConcurrentHashMap<>();

  /**
   * @param sbom the run's SBOM options: with SBOMs off nothing is ever looked up
   */
  public BaseSboms(Lookup lookup, SbomOptions sbom, TaskGroup tasks, Log log) {
    this.lookup = sbom.enabled() ? lookup : Lookup.NONE;
    this.mediaTypes = BaseSbom.mediaTypes(sbom.format());
    this.tasks = tasks;
    this.log = log;
  }

  /** The SBOM of a base image or index, started now; the future never fails. */
  public CompletableFuture<Optional<BaseSbom>> get(Repository repository, Digest digest) {
    if (lookup == Lookup.NONE) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    String key = repository.name() + "@" + digest;
    return Futures.memo(cache, key, () -> tasks.fork(() -> find(repository, digest, key)));
  }

  private Optional<BaseSbom> find(Repository repository, Digest digest, String key) {
    try {
      Optional<BaseSbom> found = lookup.find(repository, digest, mediaTypes);
      if (found.isPresent()) {
        log.debug("base image " + key + ": SBOM " + found.get().location());
      } else {
        log.debug("base image " + key + ": no SBOM");
      }
      return found;
    } catch (IOException | RuntimeException e) {
      log.debug("base image " + key + ": no SBOM: " + e.getMessage());
      return Optional.empty();
    }
  }
}
