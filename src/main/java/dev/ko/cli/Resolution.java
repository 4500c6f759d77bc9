package dev.ko.cli;

import dev.ko.build.Builder;
import dev.ko.concurrent.TaskGroup;
import dev.ko.config.Options;
import dev.ko.publish.Publisher;
import dev.ko.resolve.Resolver;
import dev.ko.resolve.Selector;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What resolve, apply and create share: options, builder and publisher as {@code ko build} makes
 * them, the selector, and every input read, all checked before anything is built.
 */
final class Resolution {
  private final Resolver resolver;
  private final Publisher publisher;
  private final List<Resolver.Input> inputs;
  private final Optional<Selector> selector;

  private Resolution(
      Resolver resolver,
      Publisher publisher,
      List<Resolver.Input> inputs,
      Optional<Selector> selector) {
    this.resolver = resolver;
    this.publisher = publisher;
    this.inputs = inputs;
    this.selector = selector;
  }

  static Resolution prepare(
      KoCommand root,
      Wiring wiring,
      FilenameFlags files,
      BuildFlags buildFlags,
      PublishFlags publishFlags)
      throws IOException {
    // Local checks and reads first: a mistyped file name or selector starts no network work.
    Optional<Selector> selector = files.selector();
    List<Resolver.Input> inputs = files.read(root);
    Options options = wiring.options(buildFlags, publishFlags);
    Publisher publisher = wiring.publisher(options.publish());
    Builder builder = wiring.builder(options);
    return new Resolution(new Resolver(builder, publisher), publisher, inputs, selector);
  }

  /**
   * Starts building, publishing and splicing on {@code tasks}; the publisher is closed once
   * everything is published.
   */
  CompletableFuture<List<Resolver.ResolvedFile>> start(TaskGroup tasks) throws IOException {
    return tasks.then(
        resolver.start(inputs, selector, tasks),
        files -> {
          publisher.close();
          return files;
        });
  }

  /** {@link #start}, waited for. */
  List<Resolver.ResolvedFile> run(TaskGroup tasks) throws IOException {
    return tasks.join(start(tasks));
  }
}
