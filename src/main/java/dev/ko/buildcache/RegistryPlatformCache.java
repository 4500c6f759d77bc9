package dev.ko.buildcache;

import dev.ko.build.PlatformCache;
import dev.ko.concurrent.TaskGroup;
import dev.ko.log.Log;
import dev.ko.name.Repository;
import dev.ko.oci.Image;
import dev.ko.oci.Platform;
import dev.ko.publish.BlobPlacements;
import dev.ko.registry.RegistryClient;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Each platform image of a multi-platform build as an entry of its own in the cache repository,
 * under its platform's key: a hit is the recorded image byte for byte, a miss is built and
 * recorded. Anything wrong with an entry is a warning and a build, as for whole entries.
 */
public final class RegistryPlatformCache implements PlatformCache {
  private final CacheEntries entries;
  private final Log log;

  /**
   * @param placements the run's blob placements, shared with its other publishes
   */
  public RegistryPlatformCache(
      RegistryClient client,
      Repository repository,
      boolean insecure,
      boolean sbom,
      BlobPlacements placements,
      Log log) {
    this.entries = new CacheEntries(client, repository, insecure, sbom, placements, log);
    this.log = log;
  }

  @Override
  public CompletableFuture<Image> image(
      String reference,
      Platform platform,
      String key,
      Supplier<CompletableFuture<Image>> build,
      TaskGroup tasks) {
    return tasks.thenCompose(
        tasks.fork(() -> entries.lookUp(key)),
        found -> {
          if (found.hit().isPresent() && found.hit().get() instanceof Image hit) {
            log.debug("cache hit " + key + " for " + platform);
            return CompletableFuture.completedFuture(hit);
          }
          boolean broken = found.broken() || found.hit().isPresent();
          log.debug("cache miss " + key + " for " + platform);
          return tasks.thenCompose(
              build.get(),
              built ->
                  entries
                      .record(built, reference, key, broken, tasks)
                      .thenApply(a -> a instanceof Image i ? i : built));
        });
  }
}
