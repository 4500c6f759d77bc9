package dev.ko.oci;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Gzip at level 1 (ko's {@code gzip.BestSpeed}) with the header Go writes: mtime 0, XFL 4
 * ("fastest"), OS 255 ("unknown"). The deflate bytes themselves come from zlib and differ from
 * Go's.
 *
 * <p>A stream of at most one block ({@value #BLOCK_SIZE} bytes) is one zlib stream. A longer one is
 * cut into blocks that are compressed independently, each primed with the last 32 KiB of the block
 * before it (so the ratio is that of one stream) and ended with a sync flush, so that the outputs
 * concatenate into one valid deflate stream, as pigz does. A block whose first 64 KiB do not
 * compress is stored as it is: random or already-compressed data costs a copy, not a futile
 * deflate. The bytes depend only on the input, never on who compresses or when: the same layer has
 * the same digest everywhere.
 *
 * <p>Blocks are offered to {@code helpers} (the run's worker pool) as they fill; the writing thread
 * takes back any block no helper has started and compresses it itself, so it only ever waits for a
 * block that is being compressed on another thread, never for a queued task: a pool of one thread
 * still completes, just without the parallelism.
 */
final class GzipLevel1OutputStream extends OutputStream {
  /** How much input one block holds. */
  static final int BLOCK_SIZE = 1 << 20;

  private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 4, (byte) 0xff};
  private static final int WINDOW = 32 * 1024;
  private static final int SAMPLE = 64 * 1024;
  private static final int MAX_STORED = 65_535;

  private final OutputStream out;
  private final Executor helpers;
  private final int maxPending;
  private final CRC32 crc = new CRC32();
  private final ArrayDeque<Job> pending = new ArrayDeque<>();
  private byte[] block = new byte[BLOCK_SIZE];
  private int filled;
  private byte[] window;
  private boolean split;
  private long inputSize;
  private boolean finished;

  /**
   * @param helpers may compress blocks; a block none of them has started is compressed by the
   *     writing thread when it needs it
   * @param parallelism how many blocks may be in flight at once (memory: a MiB each)
   */
  GzipLevel1OutputStream(OutputStream out, Executor helpers, int parallelism) throws IOException {
    this.out = out;
    this.helpers = helpers;
    this.maxPending = Math.max(1, parallelism);
    out.write(HEADER);
  }

  /** Compresses on the calling thread. */
  GzipLevel1OutputStream(OutputStream out) throws IOException {
    this(out, Runnable::run, 1);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    crc.update(b, off, len);
    inputSize += len;
    while (len > 0) {
      int n = Math.min(len, BLOCK_SIZE - filled);
      System.arraycopy(b, off, block, filled, n);
      filled += n;
      off += n;
      len -= n;
      if (filled == BLOCK_SIZE) {
        submit(false);
      }
    }
  }

  /**
   * Offers the current block to the helpers; writes the oldest ones when too many are in flight.
   */
  private void submit(boolean last) throws IOException {
    split = true;
    byte[] data = block;
    int length = filled;
    byte[] dictionary = window;
    window = length >= WINDOW ? Arrays.copyOfRange(data, length - WINDOW, length) : null;
    block = new byte[BLOCK_SIZE];
    filled = 0;
    Job job = new Job(() -> compressBlock(data, length, dictionary, last));
    pending.add(job);
    try {
      helpers.execute(job::runIfUnclaimed);
    } catch (RejectedExecutionException e) {
      // No helper: the job is compressed here when its turn comes.
    }
    while (pending.size() > maxPending) {
      out.write(pending.remove().result());
    }
  }

  /** Writes the rest of the deflate stream and the trailer (CRC-32, input size mod 2^32). */
  void finish() throws IOException {
    if (finished) {
      return;
    }
    finished = true;
    if (split) {
      submit(true);
      while (!pending.isEmpty()) {
        out.write(pending.remove().result());
      }
    } else {
      out.write(deflate(block, filled, null, true));
    }
    long c = crc.getValue();
    long size = inputSize & 0xffffffffL;
    byte[] trailer = {
      (byte) c, (byte) (c >> 8), (byte) (c >> 16), (byte) (c >> 24),
      (byte) size, (byte) (size >> 8), (byte) (size >> 16), (byte) (size >> 24)
    };
    out.write(trailer);
  }

  /**
   * Takes back every block no helper has started and waits for those being compressed, so that an
   * abandoned stream (the tar body failed) leaves no work behind. Idempotent.
   */
  void end() {
    for (Job job : pending) {
      job.abandon();
    }
    pending.clear();
  }

  @Override
  public void close() throws IOException {
    try {
      finish();
    } finally {
      end();
      out.close();
    }
  }

  /**
   * One block's compression, done once: by the first helper thread that starts it, else by the
   * writing thread when it needs the bytes.
   */
  private static final class Job {
    private final Supplier<byte[]> work;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private final CompletableFuture<byte[]> done = new CompletableFuture<>();

    Job(Supplier<byte[]> work) {
      this.work = work;
    }

    void runIfUnclaimed() {
      if (claimed.compareAndSet(false, true)) {
        try {
          done.complete(work.get());
        } catch (RuntimeException | Error e) {
          done.completeExceptionally(e);
        }
      }
    }

    /** The bytes: compressed here if nobody started, else waited for (being compressed now). */
    byte[] result() {
      runIfUnclaimed();
      return done.join();
    }

    /** Nobody will want the bytes: keep a helper from starting, wait for one that did. */
    void abandon() {
      if (!claimed.compareAndSet(false, true)) {
        done.handle((v, e) -> null).join();
      }
    }
  }

  /** One block's deflate bytes: stored when incompressible, else level 1 with sync flush. */
  private static byte[] compressBlock(byte[] data, int length, byte[] dictionary, boolean last) {
    if (length >= SAMPLE && !compresses(data)) {
      return stored(data, length, last);
    }
    return deflate(data, length, dictionary, last);
  }

  /** Whether the block's first 64 KiB shrink by at least 3% at level 1. */
  private static boolean compresses(byte[] data) {
    byte[] sample = deflate(data, SAMPLE, null, true);
    return sample.length < SAMPLE - SAMPLE / 32;
  }

  private static byte[] deflate(byte[] data, int length, byte[] dictionary, boolean last) {
    Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
    try {
      if (dictionary != null) {
        deflater.setDictionary(dictionary);
      }
      deflater.setInput(data, 0, length);
      ByteArrayOutputStream out = new ByteArrayOutputStream(length / 2 + 64);
      byte[] buffer = new byte[64 * 1024];
      if (last) {
        deflater.finish();
        while (!deflater.finished()) {
          out.write(buffer, 0, deflater.deflate(buffer));
        }
      } else {
        // A sync flush ends byte-aligned, so the next block's bytes can follow directly.
        int n;
        do {
          n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH);
          out.write(buffer, 0, n);
        } while (n == buffer.length);
      }
      return out.toByteArray();
    } finally {
      deflater.end();
    }
  }

  /** Stored deflate blocks (RFC 1951 3.2.4), starting and ending byte-aligned. */
  private static byte[] stored(byte[] data, int length, boolean last) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(length + length / MAX_STORED * 5 + 5);
    int off = 0;
    do {
      int n = Math.min(MAX_STORED, length - off);
      boolean finalPiece = last && off + n == length;
      out.write(finalPiece ? 1 : 0);
      out.write(n & 0xff);
      out.write(n >>> 8);
      out.write(~n & 0xff);
      out.write((~n >>> 8) & 0xff);
      out.write(data, off, n);
      off += n;
    } while (off < length);
    return out.toByteArray();
  }
}
