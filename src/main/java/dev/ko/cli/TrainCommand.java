package dev.ko.cli;

import dev.ko.build.Builder;
import dev.ko.concurrent.TaskGroup;
import dev.ko.name.Tag;
import dev.ko.oci.Artifact;
import dev.ko.publish.Publisher;
import dev.ko.resolve.Resolver;
import dev.ko.resolve.Selector;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.Deflater;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * A hidden command that bin/ko runs once, under {@code -XX:ArchiveClassesAtExit}, to record the
 * class-data archive: it loads, synchronously and so the same every time, the classes real runs
 * load (the warm-up's TLS, HTTP and JSON classes, a YAML parse, names, digests and compression). It
 * prints nothing.
 */
@Command(
    name = TrainCommand.NAME,
    hidden = true,
    description = "Load the classes of a typical run (for bin/ko's class-data archive).")
final class TrainCommand implements Callable<Integer> {
  static final String NAME = "train-class-data";

  private static final String YAML =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: app
        labels: {app: web}
      spec:
        template:
          spec:
            containers:
            - name: app
              image: registry.example.com/app@sha256:0000000000000000000000000000000000000000000000000000000000000000
      """;

  @ParentCommand KoCommand root;

  @Override
  public Integer call() throws IOException {
    ClassWarmup.run();
    Tag.parse("registry.example.com/org/app:v1");
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      TaskGroup tasks = new TaskGroup(executor);
      // No ko:// reference: nothing is built or published.
      Builder noBuilds =
          new Builder() {
            @Override
            public String qualifyImport(String importPath) {
              throw new IllegalStateException("training builds nothing");
            }

            @Override
            public void checkSupported(String reference) {
              throw new IllegalStateException("training builds nothing");
            }

            @Override
            public CompletableFuture<Artifact> build(String reference, TaskGroup tasks) {
              throw new IllegalStateException("training builds nothing");
            }
          };
      Publisher noPublishes =
          (artifact, reference, group) -> {
            throw new IllegalStateException("training publishes nothing");
          };
      List<Resolver.ResolvedFile> files =
          new Resolver(noBuilds, noPublishes)
              .resolve(
                  List.of(new Resolver.Input("train.yaml", YAML.getBytes(StandardCharsets.UTF_8))),
                  Optional.of(Selector.parse("app=web")),
                  tasks);
      Resolver.write(files, OutputStream.nullOutputStream());
    } finally {
      executor.shutdownNow();
    }
    try {
      byte[] data = YAML.repeat(64).getBytes(StandardCharsets.UTF_8);
      MessageDigest.getInstance("SHA-256").digest(data);
      Deflater deflater = new Deflater(1, true);
      deflater.setInput(data);
      deflater.finish();
      deflater.deflate(new byte[data.length]);
      deflater.end();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return 0;
  }
}
