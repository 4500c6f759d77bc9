package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The binary layer cache keyed by content: a binary whose modification time changed (what an
 * up-to-date {@code go build -o} does) keeps its layer and its {@code go version -m} text. These
 * files have no Go build ID, so the SHA-256 fallback is what is exercised here; the real-go test is
 * {@link BinaryLayerReuseTest}.
 */
class BinaryLayerCacheTest {
  @TempDir Path tmp;

  private final BinaryLayerCache cache = new BinaryLayerCache();
  private final AtomicInteger versionReads = new AtomicInteger();

  private String versionM() {
    return "version text " + versionReads.incrementAndGet();
  }

  private Path binary(String content) throws IOException {
    Path out = Files.createDirectories(tmp.resolve("bin/linux-amd64")).resolve("out");
    Files.writeString(out, content);
    return out;
  }

  private static Object inode(Path p) throws IOException {
    return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
  }

  @Test
  void aBinaryOnlyTouchedKeepsItsLayerAndVersionText() throws IOException {
    Path out = binary("binary v1");
    BinaryLayerCache.Entry first =
        cache.get(out, "app", false, new byte[0], this::versionM, Runnable::run);
    Object blobInode = inode(first.layer().path());

    Files.setLastModifiedTime(out, FileTime.from(Instant.now().plusSeconds(5)));
    BinaryLayerCache.Entry again =
        cache.get(out, "app", false, new byte[0], this::versionM, Runnable::run);

    assertThat(again.layer().digest()).isEqualTo(first.layer().digest());
    assertThat(inode(again.layer().path()))
        .as("the blob was not written again")
        .isEqualTo(blobInode);
    assertThat(again.versionM()).isEqualTo("version text 1");
    assertThat(versionReads).as("the binary was not read again").hasValue(1);
    try (var blobs = Files.list(out.resolveSibling("layers"))) {
      assertThat(blobs.count()).isEqualTo(1);
    }
  }

  @Test
  void newContentIsANewLayer() throws IOException {
    Path out = binary("binary v1");
    BinaryLayerCache.Entry first =
        cache.get(out, "app", false, new byte[0], this::versionM, Runnable::run);
    Files.writeString(out, "binary v2");
    BinaryLayerCache.Entry second =
        cache.get(out, "app", false, new byte[0], this::versionM, Runnable::run);
    assertThat(second.layer().digest()).isNotEqualTo(first.layer().digest());
    assertThat(second.versionM()).isEqualTo("version text 2");
  }

  @Test
  void theNameAndCapabilitiesArePartOfTheKey() throws IOException {
    Path out = binary("binary v1");
    BinaryLayerCache.Entry plain = cache.get(out, "app", false, new byte[0], null, Runnable::run);
    BinaryLayerCache.Entry renamed =
        cache.get(out, "other", false, new byte[0], null, Runnable::run);
    BinaryLayerCache.Entry capable =
        cache.get(out, "other", false, new byte[] {1}, null, Runnable::run);
    assertThat(renamed.layer().digest()).isNotEqualTo(plain.layer().digest());
    assertThat(capable.layer().digest()).isNotEqualTo(renamed.layer().digest());
  }

  @Test
  void aHitTouchesTheBlobSoThatPruningKeepsIt() throws IOException {
    Path out = binary("binary v1");
    BinaryLayerCache.Entry first = cache.get(out, "app", false, new byte[0], null, Runnable::run);
    Files.setLastModifiedTime(
        first.layer().path(), FileTime.from(Instant.now().minus(Duration.ofHours(2))));

    cache.get(out, "app", false, new byte[0], null, Runnable::run);

    Instant touched = Files.getLastModifiedTime(first.layer().path()).toInstant();
    assertThat(touched).isAfter(Instant.now().minus(Duration.ofMinutes(1)));
  }

  @Test
  void versionTextAskedForLaterIsReadOnceAndKept() throws IOException {
    Path out = binary("binary v1");
    BinaryLayerCache.Entry withoutSbom =
        cache.get(out, "app", false, new byte[0], null, Runnable::run);
    assertThat(withoutSbom.versionM()).isEmpty();
    BinaryLayerCache.Entry withSbom =
        cache.get(out, "app", false, new byte[0], this::versionM, Runnable::run);
    BinaryLayerCache.Entry again =
        cache.get(out, "app", false, new byte[0], this::versionM, Runnable::run);
    assertThat(withSbom.layer().path()).isEqualTo(withoutSbom.layer().path());
    assertThat(again.versionM()).isEqualTo("version text 1");
    assertThat(versionReads).hasValue(1);
  }
}
