package dev.ko.buildcache;

import dev.ko.name.Repository;
import java.util.Optional;

/**
 * The build cache as configured ({@code --cache-repo}, {@code KO_CACHE_REPO}, {@code .ko.yaml}'s
 * {@code cacheRepo}).
 *
 * @param repository where entries are kept; empty for no build cache
 * @param insecure whether the cache registry may be plain HTTP or have an unverified certificate
 */
public record BuildCacheOptions(Optional<Repository> repository, boolean insecure) {
  public static final BuildCacheOptions NONE = new BuildCacheOptions(Optional.empty(), false);
}
