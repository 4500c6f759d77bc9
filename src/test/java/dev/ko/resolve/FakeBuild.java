package dev.ko.resolve;

import dev.ko.build.Builder;
import dev.ko.build.UnsupportedReferenceException;
import dev.ko.concurrent.TaskGroup;
import dev.ko.oci.Artifact;
import dev.ko.publish.BlockingPublisher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for go and the registry in the splice tests (the integration tests use the real ones):
 * "builds" record how often each reference was built and may wait for each other (without holding a
 * thread), to prove they were all started at once; "publishing" gives every reference a distinct
 * digest reference.
 */
final class FakeBuild implements Builder, BlockingPublisher {
  final Map<String, AtomicInteger> builds = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> publishes = new ConcurrentHashMap<>();
  private final Set<String> notMain;
  private final Set<String> failing;
  private final AtomicInteger toStart;
  private final CompletableFuture<Void> allStarted = new CompletableFuture<>();

  FakeBuild(Set<String> notMain, Set<String> failing, int expectParallel) {
    this.notMain = notMain;
    this.failing = failing;
    this.toStart = new AtomicInteger(expectParallel);
    if (expectParallel <= 0) {
      allStarted.complete(null);
    }
  }

  static FakeBuild ok() {
    return new FakeBuild(Set.of(), Set.of(), 0);
  }

  /**
   * The reference publishing {@code ref} gives: {@code
   * registry.example.com/app/<base>@sha256:<sha256(ref)>}.
   */
  static String published(String ref) {
    String path = ref.substring(STRICT_SCHEME.length());
    try {
      byte[] sum =
          MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8));
      return "registry.example.com:5000/app/"
          + path.substring(path.lastIndexOf('/') + 1)
          + "@sha256:"
          + HexFormat.of().formatHex(sum);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String qualifyImport(String importPath) {
    return importPath.startsWith(STRICT_SCHEME) ? importPath : STRICT_SCHEME + importPath;
  }

  @Override
  public void checkSupported(String reference) {
    if (notMain.contains(reference)) {
      throw new UnsupportedReferenceException("importpath is not `package main`");
    }
  }

  @Override
  public CompletableFuture<Artifact> build(String reference, TaskGroup tasks) {
    builds.computeIfAbsent(reference, k -> new AtomicInteger()).incrementAndGet();
    if (toStart.decrementAndGet() == 0) {
      allStarted.complete(null);
    }
    CompletableFuture<Void> together =
        allStarted
            .copy()
            .orTimeout(10, TimeUnit.SECONDS)
            .exceptionallyCompose(
                e ->
                    CompletableFuture.failedFuture(
                        new IOException("builds did not run in parallel")));
    return tasks.then(
        together,
        v -> {
          if (failing.contains(reference)) {
            throw new IOException("go build: exit status 1: compile error");
          }
          return null;
        });
  }

  @Override
  public String publishNow(Artifact artifact, String reference) {
    publishes.computeIfAbsent(reference, k -> new AtomicInteger()).incrementAndGet();
    return published(reference);
  }

  List<String> built() {
    return builds.keySet().stream().sorted().toList();
  }
}
