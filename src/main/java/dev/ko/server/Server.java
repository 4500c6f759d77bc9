package dev.ko.server;

import dev.ko.cli.Warm;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The server's socket and lifetime: binds the socket in a directory that must be the user's alone
 * (mode 0700, owned by this process's user), holds a lock beside it so that two servers started
 * together do not both serve, accepts connections from the same user only (the peer's credentials
 * are checked too, not just the directory's mode), serves each on threads of its own, and stops
 * after the idle timeout or on {@code ko server stop}.
 */
final class Server {
  private static final Set<PosixFilePermission> OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private final Path socket;
  private final Duration idleTimeout;
  private final PrintStream log;
  private final Warm warm = Warm.keeping();
  private final Instant started = Instant.now();
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong lastActivity = new AtomicLong(System.nanoTime());
  private final UserPrincipal self;
  private final Optional<Path> code = codeLocation();
  private ServerSocketChannel listener;

  Server(Path socket, Duration idleTimeout, PrintStream log) throws IOException {
    this.socket = socket.toAbsolutePath();
    this.idleTimeout = idleTimeout;
    this.log = log;
    // The kernel makes /proc/self the process's own: its owner is our effective user.
    this.self = Files.getOwner(Path.of("/proc/self"));
  }

  Warm warm() {
    return warm;
  }

  /**
   * Serves until stopped; returns false without serving when another server holds the lock, and
   * throws when the directory is not the user's alone.
   */
  boolean serve() throws IOException {
    Path dir = socket.getParent();
    checkPrivate(dir);
    Path lockFile = dir.resolve(socket.getFileName() + ".lock");
    try (FileChannel lockChannel =
            FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockChannel.tryLock()) {
      if (lock == null) {
        log("another server holds " + lockFile + ": exiting");
        return false;
      }
      if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
        checkOwned(socket);
        Files.delete(socket); // a server that died; we hold the lock, so none serves it now
      }
      listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      listener.bind(UnixDomainSocketAddress.of(socket));
      log(
          "serving on "
              + socket
              + " (pid "
              + ProcessHandle.current().pid()
              + ", idle timeout "
              + idleTimeout.toSeconds()
              + " s, max heap "
              + Runtime.getRuntime().maxMemory() / (1 << 20)
              + " MB)");
      startIdleWatch();
      try {
        acceptLoop();
      } finally {
        listener.close();
        Files.deleteIfExists(socket);
      }
      // New clients start a new server from here on; the runs already going finish first.
      while (active.get() > 0) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      log("stopped after " + requests.get() + " requests");
    }
    return true;
  }

  private void acceptLoop() throws IOException {
    while (true) {
      SocketChannel c;
      try {
        c = listener.accept();
      } catch (ClosedChannelException e) {
        return;
      }
      if (!sameUser(c)) {
        c.close();
        continue;
      }
      requests.incrementAndGet();
      active.incrementAndGet();
      lastActivity.set(System.nanoTime());
      Thread t =
          new Thread(
              () -> {
                try {
                  new Connection(c, this).run();
                } finally {
                  lastActivity.set(System.nanoTime());
                  active.decrementAndGet();
                }
              },
              "ko-connection-" + requests.get());
      t.setDaemon(true);
      t.start();
    }
  }

  private boolean sameUser(SocketChannel c) {
    try {
      UnixDomainPrincipal peer = c.getOption(ExtendedSocketOptions.SO_PEERCRED);
      if (peer.user().equals(self)) {
        return true;
      }
      log("refused a connection from user " + peer.user().getName());
    } catch (IOException | UnsupportedOperationException e) {
      log("refused a connection whose user is unknown: " + e);
    }
    return false;
  }

  /** Stops once idle for the timeout: checked a few times per timeout, at least once a minute. */
  private void startIdleWatch() {
    long period = Math.max(50, Math.min(idleTimeout.toMillis() / 4, 60_000));
    Thread t =
        new Thread(
            () -> {
              while (true) {
                try {
                  Thread.sleep(period);
                } catch (InterruptedException e) {
                  return;
                }
                long idle = System.nanoTime() - lastActivity.get();
                if (active.get() == 0 && idle >= idleTimeout.toNanos()) {
                  log("idle for " + idleTimeout.toSeconds() + " s: stopping");
                  stopSoon();
                  return;
                }
                // A new package replaced ours (its clients use a new socket): nobody will come.
                if (active.get() == 0 && code.isPresent() && !Files.exists(code.get())) {
                  log(code.get() + " is gone (ko-jvm was repackaged): stopping");
                  stopSoon();
                  return;
                }
              }
            },
            "ko-server-idle");
    t.setDaemon(true);
    t.start();
  }

  /** Stops accepting; requests already running finish first. */
  void stopSoon() {
    try {
      listener.close();
    } catch (IOException e) {
      log("closing the socket: " + e);
    }
  }

  /** The jar (or classes directory) this server runs from. */
  private static Optional<Path> codeLocation() {
    try {
      return Optional.of(
          Path.of(Server.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
    } catch (java.net.URISyntaxException | RuntimeException e) {
      return Optional.empty();
    }
  }

  String status() {
    Runtime rt = Runtime.getRuntime();
    long mb = 1 << 20;
    return "ko build server: pid "
        + ProcessHandle.current().pid()
        + ", up "
        + Duration.between(started, Instant.now()).toSeconds()
        + " s, "
        + requests.get()
        + " requests ("
        + active.get()
        + " running, this one included), idle timeout "
        + idleTimeout.toSeconds()
        + " s\n"
        + "socket: "
        + socket
        + "\n"
        + "memory: heap "
        + (rt.totalMemory() - rt.freeMemory()) / mb
        + " MB used of "
        + rt.totalMemory() / mb
        + " MB (max "
        + rt.maxMemory() / mb
        + " MB), resident "
        + residentKilobytes() / 1024
        + " MB\n"
        + "kept: "
        + warm.keptTransports()
        + " HTTP client(s)\n";
  }

  /** VmRSS from /proc/self/status, in kB; 0 when unreadable. */
  static long residentKilobytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          String value = line.substring(6).trim(); // "123456 kB"
          int space = value.indexOf(' ');
          return Long.parseLong(space < 0 ? value : value.substring(0, space));
        }
      }
    } catch (IOException | RuntimeException e) {
      // unknown
    }
    return 0;
  }

  synchronized void log(String line) {
    log.println(Instant.now() + " " + line);
    log.flush();
  }

  private void checkPrivate(Path dir) throws IOException {
    checkOwned(dir);
    PosixFileAttributes a =
        Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!a.isDirectory()) {
      throw new IOException(dir + " is not a directory");
    }
    Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
    open.addAll(a.permissions());
    open.retainAll(OTHERS);
    if (!open.isEmpty()) {
      throw new IOException(dir + " is open to other users (" + open + "): want mode 0700");
    }
  }

  private void checkOwned(Path p) throws IOException {
    UserPrincipal owner = Files.getOwner(p, LinkOption.NOFOLLOW_LINKS);
    if (!owner.equals(self)) {
      throw new IOException(p + " belongs to " + owner.getName() + ", not to " + self.getName());
    }
  }
}
