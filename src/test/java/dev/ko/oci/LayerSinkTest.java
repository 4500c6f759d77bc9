package dev.ko.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LayerFile#write} with a {@link LayerSink}: the sink gets exactly the file's bytes and the
 * digest; a sink that gives up or throws changes nothing about the layer.
 */
class LayerSinkTest {
  @TempDir Path tmp;

  private static final byte[] DATA = new byte[3 << 20];

  static {
    new Random(7).nextBytes(DATA);
  }

  private static LayerFile write(Path target, LayerSink sink) throws IOException {
    return LayerFile.write(
        target,
        MediaType.OCI_LAYER,
        tar ->
            tar.file(
                "data.bin",
                0444,
                0,
                DATA.length,
                new java.io.ByteArrayInputStream(DATA),
                java.util.Map.of()),
        Runnable::run,
        1,
        sink);
  }

  /** Records what it gets; gives up after {@code limit} bytes, or throws when {@code explode}. */
  private static final class Recording implements LayerSink.Stream {
    final ByteArrayOutputStream got = new ByteArrayOutputStream();
    final AtomicReference<Digest> finished = new AtomicReference<>();
    final long limit;
    final boolean explode;
    boolean abandoned;

    Recording(long limit, boolean explode) {
      this.limit = limit;
      this.explode = explode;
    }

    @Override
    public boolean write(byte[] bytes, int offset, int length) {
      if (explode) {
        throw new IllegalStateException("boom");
      }
      got.write(bytes, offset, length);
      return got.size() < limit;
    }

    @Override
    public void finish(Digest digest, long size) {
      finished.set(digest);
    }

    @Override
    public void abandon() {
      abandoned = true;
    }
  }

  @Test
  void theSinkGetsTheFilesBytesAndDigestAndTheLayerIsTheSameAsWithout() throws IOException {
    LayerFile plain = write(tmp.resolve("plain"), LayerSink.NONE);
    Recording r = new Recording(Long.MAX_VALUE, false);
    LayerFile sunk = write(tmp.resolve("sunk"), () -> r);
    assertThat(sunk.digest()).isEqualTo(plain.digest());
    assertThat(sunk.diffId()).isEqualTo(plain.diffId());
    assertThat(r.got.toByteArray()).isEqualTo(Files.readAllBytes(plain.path()));
    assertThat(r.finished.get()).isEqualTo(plain.digest());
    assertThat(r.abandoned).isFalse();
  }

  @Test
  void aSinkThatGivesUpOrThrowsIsFedNoMoreAndTheLayerIsUnchanged() throws IOException {
    LayerFile plain = write(tmp.resolve("plain"), LayerSink.NONE);
    Recording quits = new Recording(1000, false);
    assertThat(write(tmp.resolve("quits"), () -> quits).digest()).isEqualTo(plain.digest());
    assertThat((long) quits.got.size()).isLessThan(plain.size());
    assertThat(quits.finished.get()).as("never told it is finished").isNull();
    Recording throwing = new Recording(Long.MAX_VALUE, true);
    LayerFile t = write(tmp.resolve("throws"), () -> throwing);
    assertThat(Files.readAllBytes(t.path())).isEqualTo(Files.readAllBytes(plain.path()));
    assertThat(throwing.abandoned).isTrue();
    assertThat(throwing.finished.get()).isNull();
  }

  @Test
  void aLayerWhoseWritingFailsAbandonsItsStream() {
    Recording r = new Recording(Long.MAX_VALUE, false);
    try {
      LayerFile.write(
          tmp.resolve("broken"),
          MediaType.OCI_LAYER,
          tar -> {
            throw new IOException("source gone");
          },
          Runnable::run,
          1,
          () -> r);
    } catch (IOException expected) {
      // the layer's own failure
    }
    assertThat(r.abandoned).isTrue();
    assertThat(r.finished.get()).isNull();
  }
}
