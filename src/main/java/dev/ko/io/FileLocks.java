package dev.ko.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Exclusive locks on files, among processes and among the threads of this one. A file lock belongs
 * to the whole process, so a second thread asking for one the process holds gets {@code
 * OverlappingFileLockException} instead of a wait; in the build server, where two clients' builds
 * share one JVM and one cache, they queue here first, as two fresh processes queue on the lock.
 */
public final class FileLocks {
  /** One permit per lock file ever taken: a few per cache entry, kept for the process's life. */
  private static final ConcurrentHashMap<Path, Semaphore> IN_PROCESS = new ConcurrentHashMap<>();

  private FileLocks() {}

  /** A lock held: closing it releases it. */
  public static final class Held implements AutoCloseable {
    private final FileChannel channel;
    private final Semaphore permit;

    private Held(FileChannel channel, Semaphore permit) {
      this.channel = channel;
      this.permit = permit;
    }

    @Override
    public void close() throws IOException {
      try {
        channel.close(); // releases the file lock taken through it
      } finally {
        permit.release();
      }
    }
  }

  /** Waits for the lock on {@code file} (created if missing); an interrupt ends the wait. */
  public static Held lock(Path file) throws IOException {
    Semaphore permit =
        IN_PROCESS.computeIfAbsent(file.toAbsolutePath().normalize(), k -> new Semaphore(1));
    try {
      permit.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the lock on " + file);
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      channel.lock();
      return new Held(channel, permit);
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        channel.close();
      }
      permit.release();
      throw e;
    }
  }
}
