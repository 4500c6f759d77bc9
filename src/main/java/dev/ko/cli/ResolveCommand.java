package dev.ko.cli;

import dev.ko.resolve.Resolver;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/**
 * {@code ko resolve -f FILENAME}: the files with every {@code ko://} reference built, published and
 * replaced by its digest reference; every other byte as it was. Nothing is printed unless all
 * builds succeeded.
 */
@Command(
    name = "resolve",
    description =
        "Print the input files with image references resolved to built/pushed image digests.",
    sortOptions = false)
final class ResolveCommand implements Callable<Integer> {
  @ParentCommand KoCommand root;

  @Mixin HelpFlag help;

  @Mixin FilenameFlags filenameFlags;

  @Mixin PublishFlags publishFlags;

  @Mixin BuildFlags buildFlags;

  @Override
  public Integer call() throws IOException {
    try (Wiring wiring = root.wiring()) {
      Resolution resolution =
          Resolution.prepare(root, wiring, filenameFlags, buildFlags, publishFlags);
      List<Resolver.ResolvedFile> files = resolution.run(wiring.tasks());
      Resolver.write(files, root.out());
    }
    return 0;
  }
}
