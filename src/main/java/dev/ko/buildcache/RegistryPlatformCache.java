package dev.ko.buildcache;

import dev.ko.build.PlatformCache;
import dev.ko.concurrent.TaskGroup;
import dev.ko.log.Log;
import dev.ko.oci.Image;
import dev.ko.oci.Platform;
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
   * @param entries the cache repository's entries, shared with the run's whole-artifact lookups
   */
  public RegistryPlatformCache(CacheEntries entries, Log log) {
    this.entries = entries;
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
