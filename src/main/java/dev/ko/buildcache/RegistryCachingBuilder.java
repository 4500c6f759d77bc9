package dev.ko.buildcache;

import dev.ko.build.Builder;
import dev.ko.build.ForwardingBuilder;
import dev.ko.concurrent.TaskGroup;
import dev.ko.log.Log;
import dev.ko.oci.Artifact;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Looks each build up in the cache repository under its key before building it. An entry is the
 * image (or index) itself, pushed to the cache repository under the tag {@code kojvm-<key>}, with
 * its SBOM as cosign's {@code sha256-<digest>.sbom} tag beside it: a hit is that manifest pulled
 * back byte for byte (so the digest is the one a fresh build gives), its layers read from or
 * mounted out of the cache repository. A miss is built, recorded, and handed on with its own layers
 * mountable from the cache repository, so the target gets them without a second upload. Whatever
 * goes wrong with the cache (unreachable, refused, corrupt, blobs gone) is a warning and a build:
 * the cache never fails a build, and a broken entry is recorded again with every blob checked.
 */
public final class RegistryCachingBuilder extends ForwardingBuilder {
  /** Tag prefix of entries; with the 64 hex digits of the key, 70 characters (tags allow 128). */
  public static final String TAG_PREFIX = "kojvm-";

  /** Computes the key of a reference without building it. */
  @FunctionalInterface
  public interface KeySource {
    CompletableFuture<String> key(String reference, TaskGroup tasks);
  }

  /** Writes what a build leaves beside its artifact (the {@code --sbom-dir} files) for a hit. */
  @FunctionalInterface
  public interface SideFiles {
    void write(String reference, Artifact artifact) throws IOException;
  }

  private final KeySource keys;
  private final SideFiles sideFiles;
  private final CacheEntries entries;
  private final Log log;

  /**
   * @param entries the cache repository's entries, shared with the run's per-platform lookups
   */
  public RegistryCachingBuilder(
      Builder inner, KeySource keys, SideFiles sideFiles, CacheEntries entries, Log log) {
    super(inner);
    this.keys = keys;
    this.sideFiles = sideFiles;
    this.entries = entries;
    this.log = log;
  }

  @Override
  public CompletableFuture<Artifact> build(String reference, TaskGroup tasks) {
    CompletableFuture<Optional<String>> key =
        keys.key(reference, tasks)
            .handle(
                (k, e) -> {
                  if (e != null) {
                    log.info(
                        "warning: build cache: no key for "
                            + reference
                            + ", building without the cache: "
                            + CacheEntries.message(e));
                    return Optional.empty();
                  }
                  return Optional.of(k);
                });
    return tasks.thenCompose(
        key,
        k -> {
          if (k.isEmpty()) {
            return inner.build(reference, tasks);
          }
          CacheEntries.Lookup found = entries.lookUp(k.get());
          if (found.hit().isPresent()) {
            log.debug("cache hit " + k.get());
            Artifact hit = found.hit().get();
            return tasks.fork(
                () -> {
                  sideFiles.write(reference, hit);
                  return hit;
                });
          }
          log.debug("cache miss " + k.get());
          return tasks.thenCompose(
              inner.build(reference, tasks),
              built -> entries.record(built, reference, k.get(), found.broken(), tasks));
        });
  }
}
