package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.oci.LayerFile;
import dev.ko.oci.MediaType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kodata layer is written again exactly when a file's identity or metadata says it changed. */
class KodataLayerCacheTest {
  private static final FileTime LONG_AGO = FileTime.from(Instant.parse("2001-02-03T04:05:06Z"));

  @TempDir Path tmp;
  private Path kodata;
  private KodataLayerCache cache;

  @BeforeEach
  void tree() throws IOException {
    kodata = Files.createDirectories(tmp.resolve("app/kodata"));
    Files.writeString(kodata.resolve("a.txt"), "alpha\n");
    Files.createDirectories(kodata.resolve("sub"));
    Files.writeString(kodata.resolve("sub/b.txt"), "bravo\n");
    age(kodata.resolve("a.txt"));
    age(kodata.resolve("sub/b.txt"));
    cache = new KodataLayerCache(tmp.resolve("cache"));
  }

  /**
   * Files modified long before the entry. Setting the time moves the status-change time to now, so
   * this also waits until the file system's clock (coarse, a few ms per tick) has moved past it:
   * the entry written next is then newer than the file, and the file not "racily clean".
   */
  private void age(Path file) throws IOException {
    Files.setLastModifiedTime(file, LONG_AGO);
    FileTime changed = (FileTime) Files.getAttribute(file, "unix:ctime");
    Path probe = tmp.resolve("clock-probe");
    do {
      Files.writeString(probe, "tick");
    } while (Files.getLastModifiedTime(probe).compareTo(changed) <= 0);
  }

  private LayerFile layer() throws IOException {
    List<AppLayers.KodataEntry> entries =
        AppLayers.scanKodata(kodata, kodata.toRealPath(), false, n -> {});
    return cache.get(kodata, entries, false, 0, Runnable::run, 1);
  }

  private static Object inode(Path p) throws IOException {
    return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
  }

  @Test
  void anUnchangedTreeReusesTheBlobAndItIsTheLayerAFreshWriteGives() throws IOException {
    LayerFile first = layer();
    Object blob = inode(first.path());
    LayerFile second = layer();
    assertThat(second).isEqualTo(first);
    assertThat(inode(second.path())).as("not written again").isEqualTo(blob);

    LayerFile fresh =
        AppLayers.kodata(
            tmp.resolve("fresh.tar.gz"),
            MediaType.OCI_LAYER,
            kodata,
            kodata.toRealPath(),
            false,
            0,
            n -> {});
    assertThat(second.digest()).isEqualTo(fresh.digest());
    assertThat(second.diffId()).isEqualTo(fresh.diffId());
  }

  @Test
  void sameSizeNewContentWithTheOldModificationTimeIsSeenByItsChangeTime() throws IOException {
    LayerFile first = layer();
    Files.writeString(kodata.resolve("a.txt"), "ALPHA\n"); // same size
    age(kodata.resolve("a.txt")); // mtime put back, as a careless tool might
    LayerFile second = layer();
    assertThat(second.diffId()).isNotEqualTo(first.diffId());
  }

  @Test
  void anAddedRemovedOrRenamedFileIsANewLayer() throws IOException {
    LayerFile first = layer();
    Files.writeString(kodata.resolve("c.txt"), "charlie\n");
    age(kodata.resolve("c.txt"));
    LayerFile added = layer();
    assertThat(added.diffId()).isNotEqualTo(first.diffId());
    Files.move(kodata.resolve("c.txt"), kodata.resolve("d.txt"));
    assertThat(layer().diffId()).isNotEqualTo(added.diffId());
    Files.delete(kodata.resolve("d.txt"));
    assertThat(layer().diffId()).isEqualTo(first.diffId());
  }

  @Test
  void aFileNoOlderThanTheEntryIsNotTrusted() throws IOException {
    LayerFile first = layer();
    Object blob = inode(first.path());
    // Modified "now": as new as the entry, so within its timestamps' resolution.
    Files.setLastModifiedTime(kodata.resolve("a.txt"), FileTime.from(Instant.now().plusSeconds(5)));
    LayerFile again = layer();
    assertThat(again.digest()).isEqualTo(first.digest());
    assertThat(inode(again.path())).as("the layer was written again").isNotEqualTo(blob);
  }
}
