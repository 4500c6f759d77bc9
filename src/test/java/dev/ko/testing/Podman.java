package dev.ko.testing;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * podman with a throwaway image store, as an independent reader and runner of images, and as a
 * Docker Engine ({@code podman system service}) for {@code ko.local}. The settings are the ones
 * this kind of machine needs (TESTBED.md): runc, lower ulimits, cgroupfs; the vfs driver keeps the
 * store a plain directory.
 */
public final class Podman implements AutoCloseable {
  private final Path dir;
  private final Path conf;
  private Process service;

  private Podman(Path dir) throws IOException {
    this.dir = dir;
    this.conf = dir.resolve("containers.conf");
    Files.writeString(
        conf,
        """
        [containers]
        default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
        [engine]
        runtime = "runc"
        cgroup_manager = "cgroupfs"
        """);
  }

  /** True when podman is installed ({@code scripts/testbed.sh install} installs it). */
  public static boolean available() {
    return Files.isExecutable(Path.of("/usr/bin/podman"));
  }

  public static Podman in(Path dir) throws IOException {
    Files.createDirectories(dir);
    return new Podman(dir);
  }

  private List<String> base() {
    return new ArrayList<>(
        List.of(
            "podman",
            "--root",
            dir.resolve("root").toString(),
            "--runroot",
            dir.resolve("run").toString(),
            "--storage-driver",
            "vfs"));
  }

  /** Runs {@code podman ARGS} against this store. */
  public Proc.Result run(String... args) throws IOException {
    List<String> cmd = base();
    cmd.addAll(List.of(args));
    return Proc.run(dir, Map.of("CONTAINERS_CONF", conf.toString()), cmd);
  }

  /** Starts the Docker-compatible API on a unix socket; returns the {@code DOCKER_HOST} value. */
  public String startService() throws IOException, InterruptedException {
    Path socket = dir.resolve("podman.sock");
    List<String> cmd = base();
    cmd.addAll(List.of("system", "service", "--time=0", "unix://" + socket));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("service.log").toFile());
    pb.environment().put("CONTAINERS_CONF", conf.toString());
    service = pb.start();
    for (int i = 0; i < 200 && !Files.exists(socket); i++) {
      if (!service.isAlive()) {
        throw new IOException(
            "podman system service exited: " + Files.readString(dir.resolve("service.log")));
      }
      Thread.sleep(50);
    }
    if (!Files.exists(socket)) {
      throw new IOException("podman system service made no socket within 10 s");
    }
    return "unix://" + socket;
  }

  /**
   * Stops the service, forcibly if it is still there after 10 s. An interrupted wait is an {@link
   * InterruptedIOException} (with the interrupt kept): an InterruptedException out of close() would
   * be easy to swallow as a suppressed exception of a try-with-resources.
   */
  @Override
  public void close() throws InterruptedIOException {
    if (service != null) {
      service.destroy();
      try {
        if (!service.waitFor(10, TimeUnit.SECONDS)) {
          service.destroyForcibly();
        }
      } catch (InterruptedException e) {
        service.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while stopping podman");
      }
    }
  }
}
