package dev.ko.publish;

import dev.ko.concurrent.TaskGroup;
import dev.ko.log.Log;
import dev.ko.name.ImportPath;
import dev.ko.name.Repository;
import dev.ko.name.Tag;
import dev.ko.oci.Digest;
import dev.ko.oci.LayerSink;
import dev.ko.registry.Pusher;
import dev.ko.registry.RegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Uploads a new layer into the repository its image will be published to while the layer is being
 * written, so that the publish finds the blob placed ({@link BlobPlacements}) and sends nothing.
 * For a run that pushes to exactly one registry and nowhere else (see {@code Wiring}).
 *
 * <p>Each layer has one upload task on the run's task group: a new session, one chunked PATCH fed
 * from a bounded buffer ({@value #CHUNKS} chunks of {@value #CHUNK} bytes) as the writer fills it,
 * then the PUT of the digest. The writer waits at most {@link #STALL} for room in the buffer. Any
 * failure abandons the stream (a debug line, the session deleted) and the publisher uploads the
 * layer's file as it would have without it: the layer itself never depends on the stream.
 */
public final class StreamedUploads implements LayerSink.PerImage {
  static final int CHUNK = 256 * 1024;
  static final int CHUNKS = 16;
  static final Duration STALL = Duration.ofSeconds(2);
  private static final byte[] END = new byte[0];

  private final RegistryClient client;
  private final String base;
  private final Namer namer;
  private final String tag;
  private final boolean insecure;
  private final BlobPlacements placements;
  private final TaskGroup tasks;
  private final Log log;

  /**
   * @param base, namer, tags, insecure as the {@link RegistryPublisher} of the run has them, so
   *     that each layer goes to the repository its image will be published to
   * @param placements the run's, which its publisher consults
   */
  public StreamedUploads(
      RegistryClient client,
      String base,
      Namer namer,
      List<String> tags,
      boolean insecure,
      BlobPlacements placements,
      TaskGroup tasks,
      Log log) {
    this.client = client;
    this.base = base;
    this.namer = namer;
    this.tag = tags.isEmpty() ? References.LATEST : tags.get(0);
    this.insecure = insecure;
    this.placements = placements;
    this.tasks = tasks;
    this.log = log;
  }

  @Override
  public LayerSink forImportPath(String importPath) {
    Repository repo;
    try {
      String name = namer.name(base, ImportPath.forRepository(importPath));
      repo = Tag.parse(name + ":" + tag, insecure).repository();
    } catch (RuntimeException e) {
      return LayerSink.NONE; // the publisher will say what is wrong with the name
    }
    return () -> open(repo);
  }

  private LayerSink.Stream open(Repository repo) {
    try {
      Upload upload = new Upload(repo, client.pusher(repo, List.of()));
      var unused =
          tasks
              .fork(upload::run)
              .whenComplete(
                  (done, e) -> {
                    if (e != null) {
                      upload.give("the upload did not run: " + e.getMessage());
                    }
                  });
      return upload;
    } catch (RuntimeException e) {
      log.debug("not streaming a layer to " + repo + ": " + e.getMessage());
      return null;
    }
  }

  /** A stream that was abandoned: the blob is to be uploaded the usual way. */
  static final class Abandoned extends IOException {
    Abandoned(String message) {
      super(message);
    }
  }

  /** One layer's stream: the writer's side and the upload task's. */
  private final class Upload implements LayerSink.Stream {
    private final Repository repo;
    private final Pusher pusher;
    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(CHUNKS);
    private final CompletableFuture<Void> result = new CompletableFuture<>();
    private volatile boolean failed;
    private volatile Digest digest;
    private byte[] chunk = new byte[CHUNK];
    private int filled;

    Upload(Repository repo, Pusher pusher) {
      this.repo = repo;
      this.pusher = pusher;
    }

    // ---------------------------------------------------------- the writer's side

    @Override
    public boolean write(byte[] bytes, int offset, int length) {
      while (length > 0 && !failed) {
        int n = Math.min(length, CHUNK - filled);
        System.arraycopy(bytes, offset, chunk, filled, n);
        filled += n;
        offset += n;
        length -= n;
        if (filled == CHUNK) {
          if (!hand(chunk)) {
            return false;
          }
          chunk = new byte[CHUNK];
          filled = 0;
        }
      }
      return !failed;
    }

    @Override
    public void finish(Digest d, long size) {
      digest = d;
      if (failed) {
        return;
      }
      // Claimed before the end is handed over, so no other publish of this run places the blob
      // while the session is finished; a failure from here on makes the claim fail, and the
      // publisher then uploads the blob itself.
      boolean[] mine = {false};
      var unused =
          placements.once(
              repo,
              d,
              () -> {
                mine[0] = true;
                return result;
              });
      if (!mine[0]) {
        // Placed (or being placed) by another publish of this run: placing it twice may break a
        // manifest PUT (see BlobPlacements).
        give("the blob is placed already");
        return;
      }
      if (filled > 0 && !hand(Arrays.copyOf(chunk, filled))) {
        return;
      }
      hand(END);
      chunk = null;
    }

    @Override
    public void abandon() {
      give("the layer was not finished");
    }

    /** Puts a chunk in the buffer, waiting at most {@link #STALL} for room. */
    private boolean hand(byte[] c) {
      long deadline = System.nanoTime() + STALL.toNanos();
      try {
        while (!failed) {
          if (queue.offer(c, 50, TimeUnit.MILLISECONDS)) {
            return true;
          }
          if (System.nanoTime() > deadline) {
            give("the upload took nothing for " + STALL.toSeconds() + " s");
            return false;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        give("interrupted");
      }
      return false;
    }

    private void give(String why) {
      if (!failed) {
        failed = true;
        log.debug("streaming a layer to " + repo + " abandoned: " + why);
      }
      queue.clear();
      result.completeExceptionally(new Abandoned("streaming to " + repo + ": " + why));
    }

    // ---------------------------------------------------------- the upload task's side

    Void run() {
      try {
        pusher.streamBlob(new Body(), () -> digest);
        log.debug("streamed blob: " + digest + " to " + repo);
        result.complete(null);
      } catch (IOException | RuntimeException e) {
        give(e.getMessage());
      }
      return null;
    }

    /** What the PATCH sends: the chunks as the writer hands them, until its end. */
    private final class Body extends InputStream {
      private byte[] current = new byte[0];
      private int at;
      private boolean ended;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        while (at == current.length) {
          if (ended) {
            return -1;
          }
          current = next();
          at = 0;
          if (current == END) {
            ended = true;
          }
        }
        int n = Math.min(len, current.length - at);
        System.arraycopy(current, at, b, off, n);
        at += n;
        return n;
      }

      private byte[] next() throws IOException {
        try {
          while (true) {
            if (failed) {
              throw new IOException("the stream was abandoned");
            }
            byte[] c = queue.poll(50, TimeUnit.MILLISECONDS);
            if (c != null) {
              return c;
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted");
        }
      }
    }
  }
}
