package dev.ko.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OciLayout}: artifacts are copied in parallel, and each is listed in index.json once. */
class OciLayoutTest {
  @TempDir Path tmp;

  /** An uncompressed layer whose bytes are held back until {@code release} opens. */
  private static Layer layer(String content, CountDownLatch started, CountDownLatch release) {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    Digest digest = Digest.of(bytes);
    return new Layer() {
      @Override
      public Digest digest() {
        return digest;
      }

      @Override
      public Digest diffId() {
        return digest;
      }

      @Override
      public long size() {
        return bytes.length;
      }

      @Override
      public MediaType mediaType() {
        return new MediaType("text/plain");
      }

      @Override
      public InputStream compressed() {
        started.countDown();
        return new FilterInputStream(new ByteArrayInputStream(bytes)) {
          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            try {
              if (!release.await(30, TimeUnit.SECONDS)) {
                throw new IOException("never released");
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new InterruptedIOException();
            }
            return super.read(b, off, len);
          }
        };
      }
    };
  }

  @Test
  void aSlowArtifactDoesNotHoldUpAnotherAndBothAreListed() throws Exception {
    OciLayout layout = OciLayout.openOrCreate(tmp.resolve("layout"));
    CountDownLatch slowStarted = new CountDownLatch(1);
    CountDownLatch releaseSlow = new CountDownLatch(1);
    CountDownLatch open = new CountDownLatch(0);
    Image slow = Attachment.fileImage(layer("slow layer", slowStarted, releaseSlow));
    Image quick = Attachment.fileImage(layer("quick layer", new CountDownLatch(1), open));

    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> slowAppend =
          pool.submit(
              () -> {
                layout.append(slow);
                return null;
              });
      assertThat(slowStarted.await(30, TimeUnit.SECONDS)).isTrue();
      Future<?> quickAppend =
          pool.submit(
              () -> {
                layout.append(quick);
                return null;
              });
      quickAppend.get(10, TimeUnit.SECONDS); // times out while the slow copy holds a lock
      assertThat(layout.index().manifests())
          .extracting(Descriptor::digest)
          .containsExactly(quick.digest());

      releaseSlow.countDown();
      slowAppend.get(30, TimeUnit.SECONDS);
    } finally {
      releaseSlow.countDown();
      pool.shutdownNow();
    }

    layout.append(quick);
    assertThat(layout.index().manifests())
        .extracting(Descriptor::digest)
        .containsExactly(quick.digest(), slow.digest());
    for (Image image : new Image[] {slow, quick}) {
      Digest layer = image.layers().get(0).digest();
      assertThat(Files.readAllBytes(tmp.resolve("layout/blobs/sha256/" + layer.hex())))
          .isNotEmpty();
      assertThat(tmp.resolve("layout/blobs/sha256/" + image.digest().hex())).exists();
    }
  }
}
