package dev.ko.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Block-parallel gzip: valid for the JDK and for the real {@code gzip}, the same bytes however many
 * threads compress, one zlib stream for small inputs, and incompressible blocks stored.
 */
class GzipLevel1OutputStreamTest {
  private static final int BLOCK = GzipLevel1OutputStream.BLOCK_SIZE;
  private final ExecutorService four = Executors.newFixedThreadPool(4);

  @TempDir Path tmp;

  @AfterEach
  void stop() {
    four.shutdownNow();
  }

  private static byte[] gzip(byte[] data, java.util.concurrent.Executor cpu, int parallelism)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    GzipLevel1OutputStream gz = new GzipLevel1OutputStream(out, cpu, parallelism);
    // Odd write sizes, as a tar writer's are.
    for (int off = 0; off < data.length; ) {
      int n = Math.min(data.length - off, 7_919);
      gz.write(data, off, n);
      off += n;
    }
    gz.finish();
    gz.end();
    return out.toByteArray();
  }

  /** Text-like data that compresses: words from a small vocabulary. */
  private static byte[] compressible(int size, long seed) {
    Random r = new Random(seed);
    List<String> words =
        List.of("func", "return", "package", "import", "struct", "interface", "go", "ko", "{", "}");
    StringBuilder b = new StringBuilder(size + 16);
    while (b.length() < size) {
      b.append(words.get(r.nextInt(words.size()))).append(r.nextInt(100)).append(' ');
    }
    return b.substring(0, size).getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] gunzipJdk(byte[] gz) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    }
  }

  /** Decompressed by the system's gzip, an implementation that is not Java's. */
  private byte[] gunzipTool(byte[] gz) throws Exception {
    Path file = Files.createTempFile(tmp, "layer-", ".gz");
    Files.write(file, gz);
    Process p = new ProcessBuilder("gzip", "-dc", file.toString()).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue())
        .as(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
        .isZero();
    return out;
  }

  @Test
  void aSmallStreamIsOneZlibStreamAsBefore() throws IOException {
    byte[] data = compressible(300_000, 1);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 4, (byte) 0xff});
    Deflater d = new Deflater(Deflater.BEST_SPEED, true);
    d.setInput(data);
    d.finish();
    byte[] buf = new byte[1 << 16];
    while (!d.finished()) {
      expected.write(buf, 0, d.deflate(buf));
    }
    d.end();
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(data);
    long c = crc.getValue();
    long n = data.length;
    expected.write(
        new byte[] {
          (byte) c, (byte) (c >> 8), (byte) (c >> 16), (byte) (c >> 24),
          (byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) (n >> 24)
        });
    assertThat(gzip(data, four, 4)).isEqualTo(expected.toByteArray());
  }

  @Test
  void largeStreamsAreValidGzipAndTheSameBytesOnAnyNumberOfThreads() throws Exception {
    byte[] data = compressible(5 * BLOCK + 12_345, 2);
    byte[] inline = gzip(data, Runnable::run, 1);
    byte[] parallel = gzip(data, four, 4);
    assertThat(parallel).as("bytes independent of the threads").isEqualTo(inline);
    assertThat(gunzipJdk(parallel)).isEqualTo(data);
    assertThat(gunzipTool(parallel)).isEqualTo(data);

    // Primed with the previous block's window: about the ratio of a single stream.
    Deflater d = new Deflater(Deflater.BEST_SPEED, true);
    d.setInput(data);
    d.finish();
    byte[] buf = new byte[data.length];
    int single = 0;
    while (!d.finished()) {
      single += d.deflate(buf);
    }
    d.end();
    assertThat((double) parallel.length).isLessThan(single * 1.01 + 100);
  }

  @Test
  void incompressibleBlocksAreStoredAndMixedStreamsRoundTrip() throws Exception {
    byte[] noise = random(3 * BLOCK + 777, 3);
    byte[] gz = gzip(noise, four, 4);
    assertThat(gz.length)
        .as("stored: the input plus 5 bytes per 64 KiB and the gzip framing")
        .isLessThanOrEqualTo(noise.length + (noise.length / 65_535 + 8) * 5 + 18);
    assertThat(gunzipTool(gz)).isEqualTo(noise);

    byte[] mixed = new byte[4 * BLOCK];
    System.arraycopy(compressible(BLOCK, 4), 0, mixed, 0, BLOCK);
    System.arraycopy(random(BLOCK, 5), 0, mixed, BLOCK, BLOCK);
    System.arraycopy(compressible(2 * BLOCK, 6), 0, mixed, 2 * BLOCK, 2 * BLOCK);
    byte[] mixedGz = gzip(mixed, four, 4);
    assertThat(mixedGz).isEqualTo(gzip(mixed, Runnable::run, 1));
    assertThat(gunzipJdk(mixedGz)).isEqualTo(mixed);
    assertThat(gunzipTool(mixedGz)).isEqualTo(mixed);
  }

  /**
   * The writer runs on the pool's only thread and offers blocks to that same pool: it compresses
   * them itself instead of waiting for tasks queued behind it.
   */
  @Test
  void aWriterOnTheOnlyPoolThreadStillCompletes() throws Exception {
    ExecutorService one = Executors.newSingleThreadExecutor();
    try {
      byte[] data = compressible(3 * BLOCK + 5, 8);
      byte[] viaOne = one.submit(() -> gzip(data, one, 4)).get(60, TimeUnit.SECONDS);
      assertThat(viaOne).isEqualTo(gzip(data, Runnable::run, 1));
    } finally {
      one.shutdownNow();
    }
  }

  @Test
  void exactlyOneBlockAndEmptyInputAreValid() throws Exception {
    byte[] one = compressible(BLOCK, 7);
    assertThat(gunzipTool(gzip(one, four, 2))).isEqualTo(one);
    assertThat(gunzipTool(gzip(new byte[0], four, 2))).isEmpty();
  }
}
