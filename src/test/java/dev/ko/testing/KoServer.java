package dev.ko.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real build server and its real client, for tests: the C client ({@code src/main/c}) compiled
 * with gcc into a home of its own whose {@code lib/ko-server} and {@code lib/ko-cold} start this
 * JVM's java on the test class path, as the distribution's scripts do on the jar. The client starts
 * the server on first use, as it does for users; the socket is in a private directory of its own
 * ({@code KO_SERVER_SOCKET}), so tests never meet the user's server.
 */
public final class KoServer {
  private static KoServer shared;

  private final Path home;
  private final Path socket;
  private final Map<String, String> extraEnv;

  private KoServer(Path home, Path socket, Map<String, String> extraEnv) {
    this.home = home;
    this.socket = socket;
    this.extraEnv = Map.copyOf(extraEnv);
  }

  /** The server every test of this JVM shares (KoRunner's server mode); stopped at exit. */
  public static synchronized KoServer shared() {
    if (shared == null) {
      shared = start("shared", Map.of());
      KoServer s = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(s::stopQuietly));
    }
    return shared;
  }

  /**
   * A home and socket of their own; the server starts with the first request.
   *
   * @param extraEnv added to every client's environment (say {@code KO_SERVER_IDLE_TIMEOUT})
   */
  public static KoServer start(String name, Map<String, String> extraEnv) {
    try {
      Path base = Files.createTempDirectory("ko-server-test-" + name + "-");
      // Traversable by other users (the second-user test reaches the socket's directory), which
      // is itself private, as the client makes it.
      Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
      Path home = base.resolve("home");
      Files.createDirectories(home.resolve("bin"));
      Files.createDirectories(home.resolve("lib"));
      Path sockets = base.resolve("run");
      Files.createDirectory(
          sockets,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Proc.Result cc =
          Proc.run(
              Repo.root(),
              Map.of(),
              List.of(
                  "gcc",
                  "-O2",
                  "-Wall",
                  "-Werror",
                  "-o",
                  home.resolve("bin/ko").toString(),
                  Repo.root().resolve("src/main/c/ko-client.c").toString()));
      if (cc.exit() != 0) {
        throw new IllegalStateException("gcc failed:\n" + cc.stderr());
      }
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      String cp = System.getProperty("java.class.path");
      script(
          home.resolve("lib/ko-server"),
          "exec '"
              + java
              + "' -XX:+UseSerialGC -Xmx512m -cp '"
              + cp
              + "' dev.ko.server.ServerMain \"$@\"");
      script(
          home.resolve("lib/ko-cold"),
          "exec '"
              + java
              + "' -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp '"
              + cp
              + "' dev.ko.cli.Main \"$@\"");
      return new KoServer(home, sockets.resolve("ko.sock"), extraEnv);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void script(Path file, String body) throws IOException {
    Files.writeString(file, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  public Path client() {
    return home.resolve("bin/ko");
  }

  public Path socket() {
    return socket;
  }

  /** The server's log (its stdout and stderr). */
  public Path log() {
    return Path.of(socket + ".log");
  }

  /** What the client needs besides the test's environment. */
  public Map<String, String> clientEnv() {
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("KO_SERVER_SOCKET", socket.toString());
    env.put("KO_SERVER", "1");
    return env;
  }

  /** A started client: its process and what it printed so far. */
  public static final class Client {
    public final Process process;
    private final CompletableFuture<byte[]> out;
    private final CompletableFuture<byte[]> err;
    private final ByteArrayOutputStream errSoFar = new ByteArrayOutputStream();

    Client(Process process) {
      this.process = process;
      this.out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream(), null));
      this.err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream(), errSoFar));
    }

    /** Standard error so far (a test waits for a line before it kills the client). */
    public String stderrSoFar() {
      synchronized (errSoFar) {
        return errSoFar.toString(StandardCharsets.UTF_8);
      }
    }

    public KoRunner.Result await() {
      try {
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
          process.destroyForcibly();
          throw new IllegalStateException("client did not finish");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return new KoRunner.Result(
          process.exitValue(),
          new String(out.join(), StandardCharsets.UTF_8),
          new String(err.join(), StandardCharsets.UTF_8));
    }

    private static byte[] readAll(InputStream in, ByteArrayOutputStream mirror) {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try (in) {
        int n;
        while ((n = in.read(buf)) > 0) {
          all.write(buf, 0, n);
          if (mirror != null) {
            synchronized (mirror) {
              mirror.write(buf, 0, n);
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return all.toByteArray();
    }
  }

  /**
   * Starts the client in {@code dir} with exactly {@code env} plus {@link #clientEnv}, copying
   * {@code stdin} to it.
   */
  public Client launch(Path dir, Map<String, String> env, InputStream stdin, String... args) {
    return launch(List.of(), dir, env, stdin, args);
  }

  /** As above, the client run through {@code prefix} (say {@code setpriv --reuid=65534}). */
  public Client launch(
      List<String> prefix, Path dir, Map<String, String> env, InputStream stdin, String... args) {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(client().toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.environment().putAll(clientEnv());
    try {
      Process p = pb.start();
      Client c = new Client(p);
      Thread feeder =
          new Thread(
              () -> {
                try (OutputStream o = p.getOutputStream()) {
                  stdin.transferTo(o);
                } catch (IOException e) {
                  // the client exited without reading it all
                }
              },
              "ko-client-stdin");
      feeder.setDaemon(true);
      feeder.start();
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs the client to the end. */
  public KoRunner.Result run(Path dir, Map<String, String> env, InputStream stdin, String... args) {
    return launch(dir, env, stdin, args).await();
  }

  /** The server's pid from {@code ko server status}, or -1 when none runs. */
  public long pid() {
    KoRunner.Result r =
        run(
            home,
            Map.of("PATH", System.getenv("PATH")),
            InputStream.nullInputStream(),
            "server",
            "status");
    if (r.exit() != 0) {
      return -1;
    }
    String s = r.stdout();
    int at = s.indexOf("pid ");
    return Long.parseLong(s.substring(at + 4, s.indexOf(',', at)));
  }

  public void stopQuietly() {
    try {
      run(home, Map.of(), InputStream.nullInputStream(), "server", "stop");
    } catch (RuntimeException e) {
      // the JVM is exiting
    }
  }
}
