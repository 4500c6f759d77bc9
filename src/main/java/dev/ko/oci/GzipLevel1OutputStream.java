package dev.ko.oci;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Gzip at level 1 (ko's {@code gzip.BestSpeed}) with the header Go writes: mtime 0, XFL 4
 * ("fastest"), OS 255 ("unknown"). The deflate bytes themselves come from zlib and differ from
 * Go's.
 */
final class GzipLevel1OutputStream extends FilterOutputStream {
  private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 4, (byte) 0xff};

  private final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
  private final CRC32 crc = new CRC32();
  private final byte[] buffer = new byte[64 * 1024];
  private long inputSize;
  private boolean finished;

  GzipLevel1OutputStream(OutputStream out) throws IOException {
    super(out);
    out.write(HEADER);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return;
    }
    crc.update(b, off, len);
    inputSize += len;
    deflater.setInput(b, off, len);
    while (!deflater.needsInput()) {
      drain();
    }
  }

  private void drain() throws IOException {
    int n = deflater.deflate(buffer, 0, buffer.length, Deflater.NO_FLUSH);
    if (n > 0) {
      out.write(buffer, 0, n);
    }
  }

  /** Writes the rest of the deflate stream and the trailer (CRC-32, input size mod 2^32). */
  void finish() throws IOException {
    if (finished) {
      return;
    }
    finished = true;
    deflater.finish();
    while (!deflater.finished()) {
      drain();
    }
    long c = crc.getValue();
    long size = inputSize & 0xffffffffL;
    byte[] trailer = {
      (byte) c, (byte) (c >> 8), (byte) (c >> 16), (byte) (c >> 24),
      (byte) size, (byte) (size >> 8), (byte) (size >> 16), (byte) (size >> 24)
    };
    out.write(trailer);
    end();
  }

  /**
   * Frees the deflater's native memory. Idempotent; after it, nothing more can be written. Needed
   * when the stream is abandoned unfinished (the tar body failed), since the garbage collector may
   * take its time.
   */
  void end() {
    deflater.end();
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
}
