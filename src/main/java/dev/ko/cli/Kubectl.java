package dev.ko.cli;

import dev.ko.process.ExternalCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code kubectl} (found on the environment's {@code PATH}) in the working directory, with the
 * environment passed through and its output on ours.
 */
final class Kubectl {
  private final Path binary;
  private final KoCommand root;

  private Kubectl(Path binary, KoCommand root) {
    this.binary = binary;
    this.root = root;
  }

  /**
   * ko's early check: {@code error: kubectl is not available. kubectl must be installed to use ko
   * <command>}.
   */
  static Kubectl require(KoCommand root, String command) {
    return find(root.env().asMap())
        .map(p -> new Kubectl(p, root))
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "error: kubectl is not available. kubectl must be installed to use ko "
                        + command));
  }

  static Optional<Path> find(Map<String, String> env) {
    return ExternalCommand.lookPath("kubectl", env);
  }

  /** Runs to completion with our standard input; returns the exit status. */
  int run(List<String> args) throws IOException {
    Running r = start(args, false);
    return r.waitFor();
  }

  /**
   * Starts kubectl.
   *
   * @param pipeStdin give kubectl a pipe to write to ({@link Running#stdin()}) instead of our input
   */
  Running start(List<String> args, boolean pipeStdin) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary.toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.workingDirectory().toFile());
    pb.environment().clear();
    pb.environment().putAll(root.env().asMap());
    boolean inherit = root.processStdio();
    if (inherit) {
      pb.redirectOutput(ProcessBuilder.Redirect.INHERIT)
          .redirectError(ProcessBuilder.Redirect.INHERIT);
      if (!pipeStdin) {
        pb.redirectInput(ProcessBuilder.Redirect.INHERIT);
      }
      // Whatever we printed must come before kubectl's output.
      root.out().flush();
      root.err().flush();
    }
    Process p = pb.start();
    List<CompletableFuture<Void>> pumps = new ArrayList<>();
    if (!inherit) {
      pumps.add(pump("kubectl-stdout", p.getInputStream(), root.out(), false).done());
      pumps.add(pump("kubectl-stderr", p.getErrorStream(), root.err(), false).done());
      if (!pipeStdin) {
        // Our input may never end (an embedding caller's pipe): once kubectl is gone, stop reading
        // it.
        Pump stdin = pump("kubectl-stdin", root.in(), p.getOutputStream(), true);
        // Registered for its effect; interrupting cannot fail, so the stage has nothing to report.
        var unused = p.onExit().thenRun(stdin.thread()::interrupt);
      }
    }
    return new Running(p, pumps);
  }

  /** A thread copying one stream to another, and when it ended. */
  private record Pump(Thread thread, CompletableFuture<Void> done) {}

  private static Pump pump(String name, InputStream from, OutputStream to, boolean closeWhenDone) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[8192];
              try {
                int n;
                while (!Thread.currentThread().isInterrupted() && (n = from.read(buf)) >= 0) {
                  to.write(buf, 0, n);
                  to.flush();
                }
              } catch (IOException e) {
                // the other side went away (kubectl exited, its status says how), or kubectl is
                // gone and
                // reading our input was interrupted
              } finally {
                if (closeWhenDone) {
                  try {
                    to.close();
                  } catch (IOException e) {
                    // already closed by the exit of kubectl
                  }
                }
                done.complete(null);
              }
            },
            name);
    t.setDaemon(true);
    t.start();
    return new Pump(t, done);
  }

  /** A started kubectl. */
  static final class Running {
    private final Process process;
    private final List<CompletableFuture<Void>> pumps;

    private Running(Process process, List<CompletableFuture<Void>> pumps) {
      this.process = process;
      this.pumps = pumps;
    }

    /** kubectl's standard input, when started with a pipe. */
    OutputStream stdin() {
      return process.getOutputStream();
    }

    /** Completes with the exit status when kubectl exits. */
    CompletableFuture<Integer> exit() {
      return process.onExit().thenApply(Process::exitValue);
    }

    /** Waits for the exit and for its output to be copied; returns the exit status. */
    int waitFor() throws IOException {
      try {
        int code = process.waitFor();
        // Output copying ends when kubectl closes its streams; our input copy may still block on
        // read.
        for (int i = 0; i < 2 && i < pumps.size(); i++) {
          pumps.get(i).get();
        }
        return code;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        kill();
        throw new InterruptedIOException("interrupted while running kubectl");
      } catch (ExecutionException e) {
        throw new IOException(e.getCause());
      }
    }

    /** Stops kubectl if it still runs (our side failed), and waits until it is gone. */
    void kill() {
      if (!process.isAlive()) {
        return;
      }
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
