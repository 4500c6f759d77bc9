package dev.ko.cli;

import dev.ko.build.Builder;
import dev.ko.config.Options;
import dev.ko.publish.Publisher;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code ko build IMPORTPATH...}: build and publish, print one reference per argument, in order.
 */
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

  @Parameters(
      paramLabel = "IMPORTPATH",
      arity = "0..*",
      description = "Go import paths; default \".\"")
  List<String> importPaths = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    List<String> paths = importPaths.isEmpty() ? List.of(".") : importPaths;
    try (Wiring wiring = root.wiring()) {
      wiring.log().debug("command line parsed");
      Options options = wiring.options(buildFlags, publishFlags);
      wiring.log().debug("options resolved");
      Publisher publisher = wiring.publisher(options.publish());
      wiring.log().debug("publisher ready");
      Builder builder = wiring.builder(options);
      wiring.log().debug("builder and publisher ready");
      for (Publication.Published p :
          Publication.buildAndPublish(builder, publisher, paths, wiring.tasks())) {
        root.out().println(p.result());
      }
      root.out().flush();
    }
    return 0;
  }
}
