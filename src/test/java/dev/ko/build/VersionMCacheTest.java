package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VersionMCacheTest {
  @TempDir Path dir;

  @Test
  void runsGoAgainOnlyWhenTheBinaryChanged() throws Exception {
    Path binary = dir.resolve("out");
    Files.writeString(binary, "binary v1");
    Files.setLastModifiedTime(binary, FileTime.from(Instant.parse("2024-01-01T00:00:00Z")));
    AtomicInteger runs = new AtomicInteger();
    VersionMCache cache = new VersionMCache();

    assertThat(cache.get(binary, () -> "output " + runs.incrementAndGet())).isEqualTo("output 1");
    assertThat(new VersionMCache().get(binary, () -> "output " + runs.incrementAndGet()))
        .as("kept on disk, for the next run").isEqualTo("output 1");

    Files.writeString(binary, "binary v2");
    assertThat(cache.get(binary, () -> "output " + runs.incrementAndGet())).isEqualTo("output 2");
    assertThat(runs).hasValue(2);
  }
}
