package dev.ko.build;

import dev.ko.concurrent.Futures;
import dev.ko.concurrent.TaskGroup;
import dev.ko.log.Log;
import dev.ko.name.DigestReference;
import dev.ko.name.Reference;
import dev.ko.oci.Artifact;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Chooses the base image of each import path ({@code baseImageOverrides}, else the default) and
 * fetches each base reference once per run, however many builds use it.
 */
public final class BaseImages {
  /** A base image and the reference it was fetched by. */
  public record Base(Reference reference, Artifact artifact) {}

  /** Fetches an artifact by reference. */
  @FunctionalInterface
  public interface Fetcher {
    Artifact fetch(Reference reference) throws IOException;
  }

  private final Fetcher fetcher;
  private final String defaultBase;
  private final Map<String, String> overrides;
  private final boolean insecure;
  private final TaskGroup tasks;
  private final Log log;
  private final ConcurrentMap<String, CompletableFuture<Base>> cache = new ConcurrentHashMap<>();

  public BaseImages(Fetcher fetcher, BuildOptions options, TaskGroup tasks, Log log) {
    this.fetcher = fetcher;
    this.defaultBase = options.defaultBaseImage();
    this.overrides = Map.copyOf(options.baseImageOverrides());
    this.insecure = options.insecureRegistry();
    this.tasks = tasks;
    this.log = log;
  }

  /** The base reference string for an import path (without {@code ko://}). */
  private String referenceFor(String importPath) {
    String override = overrides.getOrDefault(importPath.toLowerCase(Locale.ROOT), "");
    return override.isEmpty() ? defaultBase : override;
  }

  /**
   * Starts fetching the default base when no import path has another, so builds will need it; a
   * failure surfaces when one asks for it. Calling it again changes nothing.
   */
  public void prefetchDefault() {
    if (overrides.values().stream().allMatch(String::isEmpty)) {
      // Started, not waited for: the future is kept in the cache, and get() reports a failure.
      var unused = future(defaultBase);
    }
  }

  private CompletableFuture<Base> future(String ref) {
    return Futures.memo(cache, ref, () -> tasks.fork(() -> fetch(ref)));
  }

  /** The base of an import path, fetched once per reference however many builds ask. */
  public CompletableFuture<Base> get(String importPath) {
    return future(referenceFor(importPath))
        .thenApply(
            base -> {
              if (base.reference() instanceof DigestReference) {
                log.info("Using base " + base.reference() + " for " + importPath);
              } else {
                log.info(
                    "Using base "
                        + base.reference()
                        + "@"
                        + base.artifact().digest()
                        + " for "
                        + importPath);
              }
              return base;
            });
  }

  private Base fetch(String ref) throws IOException {
    Reference reference;
    try {
      reference = Reference.parse(ref, insecure);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "base image \"" + ref + "\" is not a valid image reference: " + e.getMessage(), e);
    }
    try {
      return new Base(reference, fetcher.fetch(reference));
    } catch (IOException e) {
      throw new IOException("pulling base image " + ref + ": " + e.getMessage(), e);
    }
  }
}
