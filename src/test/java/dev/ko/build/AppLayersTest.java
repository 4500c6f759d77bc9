package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.ko.oci.Digest;
import dev.ko.oci.LayerFile;
import dev.ko.oci.MediaType;
import dev.ko.testing.TarEntries;
import dev.ko.testing.TarEntries.Entry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kodata and binary layers' tar entries, decompressed and read back, in ko's layout. */
class AppLayersTest {
  private static final String RAW_SD =
      "AQAAgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA==";
  private static final long KODATA_EPOCH = 1_600_000_000L;

  @TempDir Path tmp;

  /** A worktree: {@code repo/.git}, {@code repo/shared/x.txt}, {@code repo/cmd/app/kodata/...}. */
  private Path repo;

  private Path kodata;

  @BeforeEach
  void layout() throws IOException {
    repo = Files.createDirectories(tmp.resolve("repo"));
    Files.createDirectories(repo.resolve(".git"));
    Files.createDirectories(repo.resolve("shared"));
    Files.writeString(repo.resolve("shared/x.txt"), "shared file\n");
    kodata = Files.createDirectories(repo.resolve("cmd/app/kodata"));
    Files.writeString(kodata.resolve("kenobi"), "Hello there\n");
    Files.createDirectories(kodata.resolve("subdir"));
    Files.writeString(kodata.resolve("subdir/file.txt"), "nested\n");
    Files.createSymbolicLink(kodata.resolve("b"), Path.of("kenobi"));
    Files.createSymbolicLink(kodata.resolve("shared"), Path.of("../../../shared"));
  }

  @Test
  void kodataLayerHasKosNamesOrderModesOwnersAndTimes() throws Exception {
    LayerFile layer = kodata(false, AppLayers.allowedRoot(kodata, ""), new ArrayList<>());
    List<Entry> entries = TarEntries.readGzip(layer.path());

    assertThat(entries)
        .extracting(Entry::name, Entry::type, Entry::mtime)
        .containsExactly(
            tuple("/var", '5', KODATA_EPOCH),
            tuple("/var/run", '5', KODATA_EPOCH),
            tuple("/var/run/ko", '5', KODATA_EPOCH),
            tuple("/var/run/ko/b", '0', KODATA_EPOCH), // a file link becomes a regular file
            tuple("/var/run/ko/kenobi", '0', KODATA_EPOCH),
            tuple("/var/run/ko/shared", '5', KODATA_EPOCH), // a directory link is walked
            tuple("/var/run/ko/shared/x.txt", '0', KODATA_EPOCH),
            tuple("/var/run/ko/subdir", '5', KODATA_EPOCH),
            tuple("/var/run/ko/subdir/file.txt", '0', KODATA_EPOCH));
    assertThat(entries)
        .allSatisfy(
            e -> {
              assertThat(e.mode()).isEqualTo(0555);
              assertThat(e.uid()).isZero();
              assertThat(e.gid()).isZero();
              assertThat(e.uname()).isEmpty();
              assertThat(e.gname()).isEmpty();
              assertThat(e.pax()).isEmpty();
            });
    assertThat(entries.get(3).text()).isEqualTo("Hello there\n");
    assertThat(entries.get(6).text()).isEqualTo("shared file\n");
    assertThat(entries.get(8).text()).isEqualTo("nested\n");
  }

  @Test
  void layerDigestsAreTheTarAndTheBlobHashes() throws Exception {
    LayerFile layer = kodata(false, AppLayers.allowedRoot(kodata, ""), new ArrayList<>());
    byte[] blob = Files.readAllBytes(layer.path());
    assertThat(layer.digest()).isEqualTo(Digest.of(blob));
    assertThat(layer.size()).isEqualTo(blob.length);
    assertThat(layer.diffId()).isEqualTo(Digest.of(TarEntries.gunzip(blob)));
    assertThat(layer.mediaType()).isEqualTo(MediaType.OCI_LAYER);
    // gzip header as Go writes it: no mtime, XFL 4 (fastest), OS 255 (unknown)
    assertThat(HexFormat.of().formatHex(blob, 0, 10)).isEqualTo("1f8b08000000000004ff");
  }

  @Test
  void withoutKodataTheLayerHoldsOnlyTheParentDirectoriesAtTimeZero() throws Exception {
    Path none = tmp.resolve("nokodata/kodata");
    LayerFile layer =
        AppLayers.kodata(
            tmp.resolve("l.tar.gz"),
            MediaType.DOCKER_LAYER,
            none,
            AppLayers.allowedRoot(none, ""),
            false,
            0,
            name -> {});
    assertThat(TarEntries.readGzip(layer.path()))
        .extracting(Entry::name, Entry::mtime)
        .containsExactly(tuple("/var", 0L), tuple("/var/run", 0L), tuple("/var/run/ko", 0L));
    assertThat(layer.mediaType()).isEqualTo(MediaType.DOCKER_LAYER);
  }

  @Test
  void aSymlinkEscapingTheAllowedRootIsAnError() throws Exception {
    Path outside = Files.writeString(tmp.resolve("secret.txt"), "secret");
    Files.createSymbolicLink(kodata.resolve("escape"), outside);

    assertThatThrownBy(() -> kodata(false, AppLayers.allowedRoot(kodata, ""), new ArrayList<>()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("kodata symlink \"" + kodata.resolve("escape") + "\"")
        .hasMessageContaining("resolves to \"" + outside.toRealPath() + "\"")
        .hasMessageContaining("which is outside the allowed root \"" + repo.toRealPath() + "\"");
  }

  @Test
  void theWidenedRootLetsTheSameSymlinkThrough() throws Exception {
    Path outside = Files.writeString(tmp.resolve("secret.txt"), "secret");
    Files.createSymbolicLink(kodata.resolve("escape"), outside);

    LayerFile layer =
        kodata(false, AppLayers.allowedRoot(kodata, tmp.toString()), new ArrayList<>());
    Entry escape =
        TarEntries.readGzip(layer.path()).stream()
            .filter(e -> e.name().equals("/var/run/ko/escape"))
            .findFirst()
            .orElseThrow();
    assertThat(escape.text()).isEqualTo("secret");
  }

  @Test
  void allowedRootRules() throws Exception {
    Path real = kodata.toRealPath();
    // an ancestor of kodata given in KO_DATA_PATH_ALLOWED_ROOT widens the root
    assertThat(AppLayers.allowedRoot(kodata, tmp.toString())).isEqualTo(tmp.toRealPath());
    // a directory that is not an ancestor is ignored: the nearest .git ancestor wins
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    assertThat(AppLayers.allowedRoot(kodata, elsewhere.toString())).isEqualTo(repo.toRealPath());
    assertThat(AppLayers.allowedRoot(kodata, "")).isEqualTo(repo.toRealPath());
    // the nearest one: a nested worktree (a .git file, as in `git worktree`) shadows the outer repo
    Files.writeString(repo.resolve("cmd/.git"), "gitdir: /elsewhere\n");
    assertThat(AppLayers.allowedRoot(kodata, "")).isEqualTo(repo.resolve("cmd").toRealPath());
    // no .git anywhere above: kodata itself
    Path lone = Files.createDirectories(tmp.resolve("lone/kodata"));
    assertThat(AppLayers.allowedRoot(lone, "")).isEqualTo(lone.toRealPath());
    assertThat(AppLayers.allowedRoot(lone, kodata.toString())).isEqualTo(lone.toRealPath());
    // the allowed root may be kodata itself given through the variable
    assertThat(AppLayers.allowedRoot(kodata, kodata.toString())).isEqualTo(real);
  }

  @Test
  void windowsKodataUsesHivesAndFilesAndSkipsSymlinks() throws Exception {
    List<String> skipped = new ArrayList<>();
    LayerFile layer = kodata(true, AppLayers.allowedRoot(kodata, ""), skipped);
    List<Entry> entries = TarEntries.readGzip(layer.path());

    assertThat(entries)
        .extracting(Entry::name, Entry::type)
        .containsExactly(
            tuple("Hives", '5'),
            tuple("Files", '5'),
            tuple("Files/var", '5'),
            tuple("Files/var/run", '5'),
            tuple("Files/var/run/ko", '5'),
            tuple("Files/var/run/ko/kenobi", '0'),
            tuple("Files/var/run/ko/subdir", '5'),
            tuple("Files/var/run/ko/subdir/file.txt", '0'));
    assertThat(skipped).containsExactly("b", "shared");
    for (Entry e : entries) {
      if (e.type() == '0') {
        assertThat(e.pax()).containsOnlyKeys("MSWINDOWS.rawsd");
        assertThat(new String(e.pax().get("MSWINDOWS.rawsd"), StandardCharsets.US_ASCII))
            .isEqualTo(RAW_SD);
      } else {
        assertThat(e.pax()).isEmpty();
      }
      assertThat(e.mode()).isEqualTo(0555);
    }
  }

  @Test
  void linuxBinaryLayer() throws Exception {
    Path binary = Files.writeString(tmp.resolve("out"), "ELF binary");
    LayerFile layer =
        AppLayers.binary(
            tmp.resolve("bin.tar.gz"), MediaType.OCI_LAYER, binary, "app", false, new byte[0]);
    List<Entry> entries = TarEntries.readGzip(layer.path());

    assertThat(entries)
        .extracting(Entry::name, Entry::type, Entry::mode, Entry::mtime)
        .containsExactly(tuple("ko-app", '5', 0555, 0L), tuple("/ko-app/app", '0', 0555, 0L));
    assertThat(entries.get(1).text()).isEqualTo("ELF binary");
    assertThat(entries.get(1).pax()).isEmpty();
  }

  @Test
  void capabilitiesBecomeARawXattrRecord() throws Exception {
    byte[] caps = HexFormat.of().parseHex("010000020004000000000000000000000000000a");
    Path binary = Files.writeString(tmp.resolve("out"), "ELF");
    LayerFile layer =
        AppLayers.binary(
            tmp.resolve("bin.tar.gz"), MediaType.OCI_LAYER, binary, "app", false, caps);
    Entry file = TarEntries.readGzip(layer.path()).get(1);
    assertThat(file.name()).isEqualTo("/ko-app/app");
    assertThat(file.pax()).containsOnlyKeys("SCHILY.xattr.security.capability");
    assertThat(file.pax().get("SCHILY.xattr.security.capability")).isEqualTo(caps);
  }

  @Test
  void windowsBinaryLayer() throws Exception {
    Path binary = Files.writeString(tmp.resolve("out"), "MZ");
    LayerFile layer =
        AppLayers.binary(
            tmp.resolve("bin.tar.gz"), MediaType.OCI_LAYER, binary, "app", true, new byte[0]);
    List<Entry> entries = TarEntries.readGzip(layer.path());

    assertThat(entries)
        .extracting(Entry::name, Entry::type)
        .containsExactly(
            tuple("Hives", '5'),
            tuple("Files", '5'),
            tuple("Files/ko-app", '5'),
            tuple("Files/ko-app/app", '0'));
    assertThat(new String(entries.get(3).pax().get("MSWINDOWS.rawsd"), StandardCharsets.US_ASCII))
        .isEqualTo(RAW_SD);
  }

  @Test
  void appNameIsTheLastImportPathElement() {
    assertThat(AppLayers.appName("example.com/hello/cmd/hello")).isEqualTo("hello");
    assertThat(AppLayers.appName("github.com/google/ko")).isEqualTo("ko");
    assertThat(AppLayers.appName("")).isEqualTo("ko-app");
    assertThat(AppLayers.appName("/")).isEqualTo("ko-app");
  }

  private LayerFile kodata(boolean windows, Path allowedRoot, List<String> skipped)
      throws IOException {
    return AppLayers.kodata(
        tmp.resolve("kodata-" + windows + ".tar.gz"),
        MediaType.OCI_LAYER,
        kodata,
        allowedRoot,
        windows,
        KODATA_EPOCH,
        skipped::add);
  }
}
