package dev.ko.cli;

import dev.ko.concurrent.TaskGroup;
import dev.ko.resolve.Resolver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code ko apply} and {@code ko create}: resolve, streamed into {@code kubectl <verb> -f -} plus
 * the arguments after {@code --}. kubectl starts at once and gets ko's priming separators; the
 * resolved YAML follows only when every build succeeded. If kubectl fails first, the builds stop.
 */
abstract class KubectlApplyCommand implements Callable<Integer> {
  /**
   * ko primes kubectl's input with this many document separators so that it starts reading early.
   */
  static final int PRIMING_SEPARATORS = 1000;

  @ParentCommand KoCommand root;

  @Mixin HelpFlag help;

  @Mixin FilenameFlags filenameFlags;

  @Mixin PublishFlags publishFlags;

  @Mixin BuildFlags buildFlags;

  @Parameters(
      paramLabel = "KUBECTL_ARG",
      arity = "0..*",
      description =
          "Arguments for kubectl, after \"--\" (for example -- --namespace=foo"
              + " --kubeconfig=cfg.yaml)")
  List<String> kubectlArgs = new ArrayList<>();

  /** {@code apply} or {@code create}. */
  abstract String verb();

  @Override
  public Integer call() throws IOException {
    Kubectl kubectl = Kubectl.require(root, verb());
    try (Wiring wiring = root.wiring()) {
      Resolution resolution =
          Resolution.prepare(root, wiring, filenameFlags, buildFlags, publishFlags);
      List<String> argv = new ArrayList<>(List.of(verb(), "-f", "-"));
      argv.addAll(kubectlArgs);
      Kubectl.Running running = kubectl.start(argv, true);
      boolean done = false;
      try {
        OutputStream stdin = running.stdin();
        prime(stdin);
        TaskGroup resolving = wiring.tasks().child();
        CompletableFuture<List<Resolver.ResolvedFile>> resolved = resolution.start(resolving);
        CompletableFuture<Integer> exit = running.exit();
        awaitEither(resolved, exit);
        if (!resolved.isDone()) {
          // kubectl gave up before the builds finished: stop them. An exit status of 0 is no
          // success here: kubectl never saw what we were to apply.
          resolving.cancelAndWait();
          throw exitedEarly(exit.join());
        }
        List<Resolver.ResolvedFile> files = resolving.join(resolved);
        boolean delivered;
        try {
          Resolver.write(files, stdin);
          stdin.close();
          delivered = true;
        } catch (IOException e) {
          delivered = false; // kubectl stopped reading; its exit status tells what happened
        }
        int code = running.waitFor();
        if (code != 0) {
          throw failed(code);
        }
        if (!delivered) {
          throw exitedEarly(code);
        }
        done = true;
      } finally {
        if (!done) {
          running.kill();
          running.waitFor();
        }
      }
    }
    return 0;
  }

  private static void prime(OutputStream stdin) {
    byte[] separators = "---\n".repeat(PRIMING_SEPARATORS).getBytes(StandardCharsets.UTF_8);
    try {
      stdin.write(separators);
      stdin.flush();
    } catch (IOException e) {
      // kubectl already exited; its exit status is reported below
    }
  }

  private IOException failed(int code) {
    return new IOException("error executing 'kubectl " + verb() + "': exit status " + code);
  }

  /** kubectl ended before it read the resolved YAML: whatever its status, nothing was applied. */
  private IOException exitedEarly(int code) {
    if (code != 0) {
      return failed(code);
    }
    return new IOException(
        "error executing 'kubectl "
            + verb()
            + "': kubectl exited (status 0) before reading "
            + "the resolved configuration, so nothing was "
            + (verb().equals("create") ? "created" : "applied"));
  }

  private static void awaitEither(CompletableFuture<?> a, CompletableFuture<?> b)
      throws IOException {
    try {
      CompletableFuture.anyOf(a, b).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("cancelled");
    } catch (ExecutionException e) {
      // the failed one is reported by whoever joins it
    }
  }
}
