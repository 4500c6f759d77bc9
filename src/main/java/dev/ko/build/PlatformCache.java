package dev.ko.build;

import dev.ko.concurrent.TaskGroup;
import dev.ko.oci.Image;
import dev.ko.oci.Platform;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Where a multi-platform build looks each platform's image up under its own key before building it,
 * so that a change only one platform reads rebuilds only that platform.
 */
@FunctionalInterface
public interface PlatformCache {
  /** No cache: every platform is built. */
  PlatformCache NONE = (reference, platform, key, build, tasks) -> build.get();

  /**
   * The image recorded under {@code key}, or {@code build}'s result (recorded under the key); the
   * cache never fails a build.
   */
  CompletableFuture<Image> image(
      String reference,
      Platform platform,
      String key,
      Supplier<CompletableFuture<Image>> build,
      TaskGroup tasks);
}
