package dev.ko.cli;

import dev.ko.build.Builder;
import dev.ko.build.UnsupportedReferenceException;
import dev.ko.concurrent.TaskGroup;
import dev.ko.oci.Artifact;
import dev.ko.publish.Publisher;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * What {@code ko build} and {@code ko run} share: every import path qualified and checked before
 * anything is built, then each built and published in parallel (the go builds themselves are
 * bounded by {@code -j}), results in argument order. The first failure stops the other builds and
 * uploads; the publisher is closed only when everything succeeded.
 */
final class Publication {
  /** One import path's {@code ko://} reference and where it was published. */
  record Published(String reference, String result) {}

  private Publication() {}

  static List<Published> buildAndPublish(
      Builder builder, Publisher publisher, List<String> importPaths, ExecutorService executor)
      throws IOException {
    List<String> references = new ArrayList<>();
    for (String path : importPaths) {
      references.add(qualifyAndCheck(builder, path));
    }
    TaskGroup group = new TaskGroup(executor);
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (String ref : references) {
      results.add(group.submit(() -> buildAndPublish(builder, publisher, ref)));
    }
    List<String> published = group.joinAll(results);
    publisher.close();
    List<Published> out = new ArrayList<>();
    for (int i = 0; i < references.size(); i++) {
      out.add(new Published(references.get(i), published.get(i)));
    }
    return out;
  }

  private static String qualifyAndCheck(Builder builder, String path) throws IOException {
    String ref;
    try {
      ref = builder.qualifyImport(path);
      builder.checkSupported(ref);
    } catch (UnsupportedReferenceException e) {
      throw new UnsupportedReferenceException(
          "failed to publish images: importpath \""
              + path
              + "\" is not supported: "
              + e.getMessage());
    }
    return ref;
  }

  private static String buildAndPublish(Builder builder, Publisher publisher, String ref)
      throws IOException {
    Artifact artifact;
    try {
      artifact = builder.build(ref);
    } catch (IOException e) {
      throw new IOException(
          "failed to publish images: error building \"" + ref + "\": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "failed to publish images: error building \"" + ref + "\": " + e.getMessage(), e);
    }
    try {
      return publisher.publish(artifact, ref);
    } catch (IOException e) {
      throw new IOException(
          "failed to publish images: error publishing " + ref + ": " + e.getMessage(), e);
    }
  }
}
