package dev.ko.build;

import dev.ko.io.FileLocks;
import dev.ko.oci.Platform;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * {@code go list} and {@code go build} started in the first milliseconds of a {@code ko build},
 * before the JVM has loaded what parsing the command line, reading the config and composing the
 * builder take: on the cold path that is where most of ko-jvm's overhead over {@code go build}
 * went. They are speculation, planned from the command line alone for the common case (no build
 * config, no flag that changes the go command), and only their results are shared: the builder uses
 * an early listing or binary only when the command it would run itself (directory, environment,
 * flags, package) is exactly the one that ran, and otherwise runs its own. An early build that
 * failed is not used either, so go's error is always the one the normal path gives.
 *
 * <p>An early binary goes to a persistent output of its own under the cache, keyed by where and for
 * what it was built, so an unchanged package relinks nothing next time either.
 */
public final class EarlyGo implements AutoCloseable {
  /** Nothing started: the builder runs every go command itself. */
  public static final EarlyGo NONE = new EarlyGo(null, List.of(), List.of());

  /**
   * What to start, decided from the command line and the environment.
   *
   * @param patterns the package arguments as given ({@code ./cmd/app})
   * @param environment the whole process environment, as the builder passes it to go
   * @param platform the one platform a build for these arguments starts with
   */
  public record Request(
      Path directory,
      String goCommand,
      Path cacheDirectory,
      List<String> patterns,
      Map<String, String> environment,
      Platform platform) {
    public Request {
      patterns = List.copyOf(patterns);
      environment = Map.copyOf(environment);
    }
  }

  private record Listing(
      Path dir,
      Map<String, String> env,
      List<String> patterns,
      CompletableFuture<List<GoPackage>> result) {}

  /** One early {@code go build}: its command, its output and the lock on that output. */
  private static final class Binary {
    final Path dir;
    final Map<String, String> env;
    final List<String> flags;
    final String pattern;
    final Path out;
    final CompletableFuture<Void> built = new CompletableFuture<>();
    FileLocks.Held lock;
    boolean taken;

    Binary(Path dir, Map<String, String> env, List<String> flags, String pattern, Path out) {
      this.dir = dir;
      this.env = env;
      this.flags = flags;
      this.pattern = pattern;
      this.out = out;
    }
  }

  private final Listing listing;
  private final List<Binary> binaries;
  private final List<Thread> threads;

  private EarlyGo(Listing listing, List<Binary> binaries, List<Thread> threads) {
    this.listing = listing;
    this.binaries = binaries;
    this.threads = threads;
  }

  /**
   * Starts one {@code go list} of every pattern and one {@code go build} per pattern, each on a
   * thread.
   */
  public static EarlyGo start(Request request) {
    GoToolchain go = new ProcessGoToolchain(request.goCommand());
    Path dir = request.directory();
    Map<String, String> processEnv = request.environment();
    List<Thread> threads = new ArrayList<>();
    CompletableFuture<List<GoPackage>> listed = new CompletableFuture<>();
    threads.add(
        started(
            "ko-early-go-list",
            () -> {
              try {
                listed.complete(go.list(dir, processEnv, request.patterns()));
              } catch (IOException | RuntimeException e) {
                listed.completeExceptionally(e);
              }
            }));
    Listing listing = new Listing(dir, processEnv, request.patterns(), listed);
    Map<String, String> buildEnv = new LinkedHashMap<>();
    for (String kv : Platforms.goEnv(request.platform())) {
      BuildSettings.put(buildEnv, kv, "ko");
    }
    buildEnv.putAll(processEnv);
    List<String> flags = List.of("-trimpath");
    List<Binary> binaries = new ArrayList<>();
    for (String pattern : request.patterns()) {
      Path outDir =
          request
              .cacheDirectory()
              .resolve("bin")
              .resolve(".early")
              .resolve(key(dir, pattern))
              .resolve(Platforms.buildKey(request.platform()));
      Binary b = new Binary(dir, Map.copyOf(buildEnv), flags, pattern, outDir.resolve("out"));
      binaries.add(b);
      threads.add(started("ko-early-go-build", () -> build(go, b)));
    }
    return new EarlyGo(listing, List.copyOf(binaries), List.copyOf(threads));
  }

  private static Thread started(String name, Runnable work) {
    Thread t = new Thread(work, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void build(GoToolchain go, Binary b) {
    try {
      Files.createDirectories(b.out.getParent());
      FileLocks.Held lock = FileLocks.lock(b.out.resolveSibling(".lock"));
      synchronized (b) {
        b.lock = lock;
      }
      List<String> args = new ArrayList<>(b.flags);
      args.add("-o");
      args.add(b.out.toString());
      args.add(b.pattern);
      go.build(b.dir, b.env, args);
      b.built.complete(null);
    } catch (IOException | RuntimeException e) {
      b.built.completeExceptionally(e);
    }
  }

  /**
   * A name for the output of a pattern built in a directory. FNV-1a, 64 bits: cheap enough for the
   * JVM's first milliseconds, where a MessageDigest would load and initialise the security
   * providers on the critical path.
   */
  private static String key(Path dir, String pattern) {
    long h = 0xcbf29ce484222325L;
    for (char c : (dir + "\0" + pattern).toCharArray()) {
      h ^= c;
      h *= 0x100000001b3L;
    }
    return Long.toHexString(h);
  }

  /**
   * What the early {@code go list} found, if it ran in {@code dir} with {@code env} and covered
   * every pattern asked for; waits for it (it is running already).
   */
  Optional<List<GoPackage>> listing(Path dir, Map<String, String> env, List<String> patterns) {
    if (listing == null
        || !listing.dir().equals(dir)
        || !listing.env().equals(env)
        || !listing.patterns().containsAll(patterns)) {
      return Optional.empty();
    }
    List<GoPackage> all;
    try {
      all = listing.result().join();
    } catch (RuntimeException e) {
      return Optional.empty(); // go list failed early: the builder's own run reports it
    }
    if (all.size() != listing.patterns().size()) {
      return Optional.empty();
    }
    List<GoPackage> out = new ArrayList<>();
    for (String p : patterns) {
      out.add(all.get(listing.patterns().indexOf(p)));
    }
    return Optional.of(out);
  }

  /** A binary built early, and the lock on its output, held until {@link #release}. */
  public static final class Taken {
    private final Binary binary;

    private Taken(Binary binary) {
      this.binary = binary;
    }

    /** Where the binary is. */
    public Path out() {
      return binary.out;
    }

    /** The output may be written again. */
    public void release() {
      EarlyGo.unlock(binary);
    }
  }

  /**
   * The early binary for exactly this build, once it finished successfully: built in {@code dir}
   * with {@code env} and {@code flags} (the arguments before {@code -o}) from a pattern that names
   * {@code importPath}. Waits for it (it is running already). Each binary is taken once.
   */
  Optional<Taken> take(Path dir, Map<String, String> env, List<String> flags, String importPath)
      throws InterruptedIOException {
    for (Binary b : binaries) {
      synchronized (this) {
        if (b.taken
            || !b.dir.equals(dir)
            || !b.env.equals(env)
            || !b.flags.equals(flags)
            || !names(b.pattern, importPath)) {
          continue;
        }
        b.taken = true;
      }
      try {
        b.built.get();
        return Optional.of(new Taken(b));
      } catch (ExecutionException failed) {
        unlock(b); // failed early: the builder runs go build itself, for go's own message
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        unlock(b);
        throw new InterruptedIOException("interrupted while waiting for go build");
      }
    }
    return Optional.empty();
  }

  /** {@code go}, whose {@code go list} answers from the early listing when it covers the call. */
  GoToolchain listingsFirst(GoToolchain go) {
    if (listing == null) {
      return go;
    }
    return new GoToolchain() {
      @Override
      public List<GoPackage> list(Path dir, Map<String, String> env, List<String> patterns)
          throws IOException {
        Optional<List<GoPackage>> early = listing(dir, env, patterns);
        return early.isPresent() ? early.get() : go.list(dir, env, patterns);
      }

      @Override
      public void build(Path dir, Map<String, String> env, List<String> args) throws IOException {
        go.build(dir, env, args);
      }

      @Override
      public String versionM(Path binary, Map<String, String> env) throws IOException {
        return go.versionM(binary, env);
      }

      @Override
      public Map<String, String> env(Path dir, Map<String, String> env) throws IOException {
        return go.env(dir, env);
      }
    };
  }

  /** Whether the early listing says {@code pattern} is the package {@code importPath}. */
  private boolean names(String pattern, String importPath) {
    if (pattern.equals(importPath)) {
      return true;
    }
    return listing(listing.dir(), listing.env(), List.of(pattern))
        .map(l -> l.get(0).importPath().equals(importPath) && l.get(0).error().isEmpty())
        .orElse(false);
  }

  private static void unlock(Binary b) {
    synchronized (b) {
      try {
        if (b.lock != null) {
          b.lock.close();
        }
      } catch (IOException e) {
        // the process is ending or the file is gone: nothing to release any more
      } finally {
        b.lock = null;
      }
    }
  }

  /**
   * Ends what nobody used: the go processes still running are interrupted (which kills them) and
   * their locks released.
   */
  @Override
  public void close() {
    for (Thread t : threads) {
      t.interrupt();
    }
    for (Binary b : binaries) {
      synchronized (this) {
        if (b.taken) {
          continue;
        }
        b.taken = true;
      }
      b.built.handle((v, e) -> null).join();
      unlock(b);
    }
  }
}
