package dev.ko.cli;

import dev.ko.build.Builder;
import dev.ko.build.UnsupportedReferenceException;
import dev.ko.concurrent.Futures;
import dev.ko.concurrent.TaskGroup;
import dev.ko.publish.Publisher;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What {@code ko build} and {@code ko run} share: every import path qualified and checked before
 * anything is built, then each built and published in parallel (the go builds themselves are
 * bounded by {@code -j}), results in argument order. The first failure stops the other builds and
 * uploads; the publisher is closed only when everything succeeded.
 */
final class Publication {
  /** One import path's {@code ko://} reference and where it was published. */
  record Published(String reference, String result) {}

  private static final String PUBLISHING = "failed to publish images: ";

  private Publication() {}

  static List<Published> buildAndPublish(
      Builder builder, Publisher publisher, List<String> importPaths, TaskGroup tasks)
      throws IOException {
    List<String> references = new ArrayList<>();
    for (String path : importPaths) {
      references.add(qualifyAndCheck(builder, path));
    }
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (String ref : references) {
      results.add(buildAndPublish(builder, publisher, ref, tasks));
    }
    List<String> published = tasks.join(TaskGroup.all(results));
    publisher.close();
    List<Published> out = new ArrayList<>();
    for (int i = 0; i < references.size(); i++) {
      out.add(new Published(references.get(i), published.get(i)));
    }
    return out;
  }

  private static String qualifyAndCheck(Builder builder, String path) throws IOException {
    try {
      String ref = builder.qualifyImport(path);
      builder.checkSupported(ref);
      return ref;
    } catch (UnsupportedReferenceException e) {
      throw e.withContext(PUBLISHING + "importpath \"" + path + "\" is not supported: ");
    }
  }

  private static CompletableFuture<String> buildAndPublish(
      Builder builder, Publisher publisher, String ref, TaskGroup tasks) {
    CompletableFuture<String> published =
        Futures.withContext(
                builder.build(ref, tasks), PUBLISHING + "error building \"" + ref + "\": ")
            .thenCompose(
                artifact ->
                    Futures.withContext(
                        publisher.publish(artifact, ref, tasks),
                        PUBLISHING + "error publishing " + ref + ": "));
    return published;
  }
}
