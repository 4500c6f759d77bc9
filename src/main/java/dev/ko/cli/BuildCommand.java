package dev.ko.cli;

import dev.ko.concurrent.Futures;
import dev.ko.build.BuildOptions;
import dev.ko.build.Builder;
import dev.ko.build.UnsupportedReferenceException;
import dev.ko.oci.Artifact;
import dev.ko.publish.Publisher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code ko build IMPORTPATH...}: build and publish, print one reference per argument, in order. */
@Command(
    name = "build",
    aliases = "publish",
    description = "Build and publish container images from the given importpaths.",
    customSynopsis = "ko build IMPORTPATH... [flags]",
    sortOptions = false)
final class BuildCommand implements Callable<Integer> {
  @ParentCommand KoCommand root;

  @Mixin HelpFlag help;

  @Mixin PublishFlags publishFlags;

  @Mixin BuildFlags buildFlags;

  @Parameters(paramLabel = "IMPORTPATH", arity = "0..*", description = "Go import paths; default \".\"")
  List<String> importPaths = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    List<String> paths = importPaths.isEmpty() ? List.of(".") : importPaths;
    try (Wiring wiring = root.wiring()) {
      wiring.log().debug("command line parsed");
      BuildOptions options = wiring.buildOptions(buildFlags, publishFlags);
      Publisher publisher = wiring.publisher(publishFlags);
      Builder builder = wiring.builder(options);
      wiring.log().debug("builder and publisher ready");
      List<String> references = new ArrayList<>();
      for (String path : paths) {
        references.add(qualifyAndCheck(builder, path));
      }
      // Builds run in parallel (the go builds themselves are bounded by -j); output keeps argument order.
      List<CompletableFuture<String>> results = new ArrayList<>();
      for (String ref : references) {
        results.add(CompletableFuture.supplyAsync(() -> buildAndPublish(builder, publisher, ref), wiring.executor()));
      }
      List<String> published = new ArrayList<>();
      for (CompletableFuture<String> r : results) {
        published.add(Futures.join(r));
      }
      publisher.close();
      published.forEach(root.out()::println);
      root.out().flush();
    }
    return 0;
  }

  static String qualifyAndCheck(Builder builder, String path) throws IOException {
    String ref;
    try {
      ref = builder.qualifyImport(path);
      builder.checkSupported(ref);
    } catch (UnsupportedReferenceException e) {
      throw new UnsupportedReferenceException(
          "failed to publish images: importpath \"" + path + "\" is not supported: " + e.getMessage());
    }
    return ref;
  }

  static String buildAndPublish(Builder builder, Publisher publisher, String ref) {
    Artifact artifact;
    try {
      artifact = builder.build(ref);
    } catch (IOException e) {
      throw new UncheckedIOException(new IOException("failed to publish images: error building \"" + ref + "\": " + e.getMessage(), e));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("failed to publish images: error building \"" + ref + "\": " + e.getMessage(), e);
    }
    try {
      return publisher.publish(artifact, ref);
    } catch (IOException e) {
      throw new UncheckedIOException(new IOException("failed to publish images: error publishing " + ref + ": " + e.getMessage(), e));
    }
  }
}
