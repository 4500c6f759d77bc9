package dev.ko.oci;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.concurrent.Executor;

/**
 * A layer whose gzip blob sits in a local file. {@link #write} produces one in a single pass: the
 * tar stream is hashed (diffID) while it is compressed, and the compressed bytes are hashed and
 * counted while they reach the file.
 */
public record LayerFile(Path path, Digest digest, Digest diffId, long size, MediaType mediaType)
    implements Layer {

  /** Writes the tar entries of {@code body} as a gzip layer blob at {@code target}. */
  public static LayerFile write(Path target, MediaType mediaType, TarBody body) throws IOException {
    return write(target, mediaType, body, Runnable::run, 1);
  }

  /**
   * As {@link #write(Path, MediaType, TarBody)}, with blocks of a large layer offered to {@code
   * helpers} to compress in parallel (the bytes are the same either way). Any worker pool will do:
   * a block no helper has started is compressed by the calling thread.
   *
   * @param parallelism how many blocks may be in flight at once
   */
  public static LayerFile write(
      Path target, MediaType mediaType, TarBody body, Executor helpers, int parallelism)
      throws IOException {
    return write(target, mediaType, body, helpers, parallelism, LayerSink.NONE);
  }

  /**
   * As above, with the compressed bytes also offered to {@code sink} as they are produced; the
   * file, digests and size are the same whatever the sink does, and it is told the digest once the
   * layer is complete (or that it will never be).
   */
  public static LayerFile write(
      Path target,
      MediaType mediaType,
      TarBody body,
      Executor helpers,
      int parallelism,
      LayerSink sink)
      throws IOException {
    MessageDigest compressedSha = Digest.sha256();
    MessageDigest tarSha = Digest.sha256();
    CountingOutputStream counted;
    Tee tee = null;
    boolean complete = false;
    try (OutputStream file = Files.newOutputStream(target)) {
      tee = new Tee(file, sink.open());
      counted = new CountingOutputStream(new DigestOutputStream(tee, compressedSha));
      GzipLevel1OutputStream gzip = new GzipLevel1OutputStream(counted, helpers, parallelism);
      try {
        OutputStream tarStream =
            new BufferedOutputStream(new DigestOutputStream(gzip, tarSha), 64 * 1024);
        try (TarWriter tar = new TarWriter(tarStream)) {
          body.write(tar);
        }
        tarStream.flush();
        gzip.finish();
      } finally {
        gzip.end();
      }
      counted.flush();
      complete = true;
    } finally {
      if (!complete && tee != null) {
        tee.abandon();
      }
    }
    LayerFile written =
        new LayerFile(
            target,
            Digest.fromSha256(compressedSha.digest()),
            Digest.fromSha256(tarSha.digest()),
            counted.count(),
            mediaType);
    tee.finish(written.digest(), written.size());
    return written;
  }

  /** The same blob under another media type (OCI and Docker gzip layers have identical bytes). */
  public LayerFile withMediaType(MediaType type) {
    return type.equals(mediaType) ? this : new LayerFile(path, digest, diffId, size, type);
  }

  @Override
  public InputStream compressed() throws IOException {
    return Files.newInputStream(path);
  }

  /** Writes the entries of a layer. */
  @FunctionalInterface
  public interface TarBody {
    void write(TarWriter tar) throws IOException;
  }

  /** The file, and a sink's stream beside it while the stream still takes bytes. */
  private static final class Tee extends OutputStream {
    private final OutputStream file;
    private LayerSink.Stream stream;

    Tee(OutputStream file, LayerSink.Stream stream) {
      this.file = file;
      this.stream = stream;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      file.write(b, off, len);
      if (stream != null) {
        boolean taken;
        try {
          taken = stream.write(b, off, len);
        } catch (RuntimeException e) {
          taken = false;
          abandon();
        }
        if (!taken) {
          stream = null;
        }
      }
    }

    @Override
    public void flush() throws IOException {
      file.flush();
    }

    @Override
    public void close() throws IOException {
      file.close();
    }

    void finish(Digest digest, long size) {
      if (stream != null) {
        try {
          stream.finish(digest, size);
        } catch (RuntimeException e) {
          abandon();
        }
        stream = null;
      }
    }

    void abandon() {
      if (stream != null) {
        LayerSink.Stream s = stream;
        stream = null;
        try {
          s.abandon();
        } catch (RuntimeException ignored) {
          // the sink's own failure: the layer does not depend on it
        }
      }
    }
  }

  private static final class CountingOutputStream extends java.io.FilterOutputStream {
    private long count;

    CountingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    long count() {
      return count;
    }
  }
}
