package dev.ko.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ko.build.AppLayers.KodataEntry;
import dev.ko.io.AtomicFile;
import dev.ko.oci.Digest;
import dev.ko.oci.LayerFile;
import dev.ko.oci.LayerSink;
import dev.ko.oci.MediaType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Reuses a kodata layer while its files are unchanged, decided the way git's index decides a file
 * is unchanged: by each file's path, size, modification and status-change times and inode, without
 * reading it. An unchanged 200 MB kodata tree costs a directory walk, not a re-tar, re-hash and
 * re-compress. A file whose times are not older than the cached entry itself may have changed
 * within the timestamps' resolution after the entry was written ("racily clean" in git's words), so
 * such a tree is never trusted: its layer is written again. Blobs are stored by digest and never
 * rewritten, so an upload reading one cannot see it change.
 */
final class KodataLayerCache {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Duration KEEP_OLD_BLOBS = Duration.ofHours(1);
  private static final String FORMAT = "kodata-layer-1";

  private final Path root;

  /**
   * @param root where entries and blobs live, one directory per kodata tree
   */
  KodataLayerCache(Path root) {
    this.root = root;
  }

  /** The kodata layer (as an OCI layer) of the scanned entries, written only when they changed. */
  LayerFile get(
      Path kodataDir,
      List<KodataEntry> entries,
      boolean windows,
      long mtime,
      Executor helpers,
      int parallelism)
      throws IOException {
    return get(kodataDir, entries, windows, mtime, helpers, parallelism, LayerSink.NONE);
  }

  /** As above; a layer that is written is offered to {@code sink} too. */
  LayerFile get(
      Path kodataDir,
      List<KodataEntry> entries,
      boolean windows,
      long mtime,
      Executor helpers,
      int parallelism,
      LayerSink sink)
      throws IOException {
    String key = key(entries, windows, mtime);
    Path dir = root.resolve(sha256(kodataDir.toAbsolutePath().normalize() + "|" + windows));
    Path meta = dir.resolve("layer.json");
    Path blobs = dir.resolve("layers");
    Optional<LayerFile> cached = read(meta, key, blobs, entries);
    if (cached.isPresent()) {
      // Another process prunes blobs untouched for an hour: this one is in use again.
      Files.setLastModifiedTime(cached.get().path(), FileTime.from(Instant.now()));
      return cached.get();
    }
    Files.createDirectories(blobs);
    Path temp = Files.createTempFile(blobs, "new-", ".tmp");
    LayerFile layer;
    try {
      LayerFile written =
          AppLayers.kodata(
              temp, MediaType.OCI_LAYER, entries, windows, mtime, helpers, parallelism, sink);
      Path blob = blobs.resolve(written.digest().hex() + ".tar.gz");
      Files.move(temp, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      layer =
          new LayerFile(
              blob, written.digest(), written.diffId(), written.size(), MediaType.OCI_LAYER);
    } finally {
      Files.deleteIfExists(temp);
    }
    ObjectNode m = MAPPER.createObjectNode();
    m.put("key", key);
    m.put("digest", layer.digest().toString());
    m.put("diffId", layer.diffId().toString());
    m.put("size", layer.size());
    byte[] metadata = MAPPER.writeValueAsBytes(m);
    AtomicFile.write(meta, AtomicFile.PRIVATE, out -> out.write(metadata));
    pruneOldBlobs(blobs, layer.path());
    return layer;
  }

  /** What decides the layer's bytes: every entry's name and, for files, what identifies content. */
  static String key(List<KodataEntry> entries, boolean windows, long mtime) {
    StringBuilder b =
        new StringBuilder(FORMAT).append('|').append(windows).append('|').append(mtime);
    for (KodataEntry e : entries) {
      b.append('\n').append(e.name()).append('|').append(e.directory());
      if (!e.directory()) {
        b.append('|')
            .append(e.source())
            .append('|')
            .append(e.size())
            .append('|')
            .append(e.fileKey())
            .append('|')
            .append(e.modified())
            .append('|')
            .append(e.changed());
      }
    }
    return sha256(b.toString());
  }

  private static Optional<LayerFile> read(
      Path meta, String key, Path blobs, List<KodataEntry> entries) {
    try {
      JsonNode m = MAPPER.readTree(meta.toFile());
      if (!key.equals(m.path("key").asText()) || racy(entries, Files.getLastModifiedTime(meta))) {
        return Optional.empty();
      }
      Digest digest = Digest.parse(m.path("digest").asText());
      Path blob = blobs.resolve(digest.hex() + ".tar.gz");
      long size = m.path("size").asLong(-1);
      if (!Files.isRegularFile(blob) || Files.size(blob) != size) {
        return Optional.empty();
      }
      return Optional.of(
          new LayerFile(
              blob, digest, Digest.parse(m.path("diffId").asText()), size, MediaType.OCI_LAYER));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty(); // no usable entry: write the layer again
    }
  }

  /**
   * Whether a file was modified no earlier than the entry was written (or has no change time): its
   * times cannot tell a later change within the same tick, so its content is not trusted.
   */
  private static boolean racy(List<KodataEntry> entries, FileTime written) {
    for (KodataEntry e : entries) {
      if (e.directory()) {
        continue;
      }
      if (e.changed() == null
          || e.modified().compareTo(written) >= 0
          || e.changed().compareTo(written) >= 0) {
        return true;
      }
    }
    return false;
  }

  private static String sha256(String s) {
    MessageDigest md = Digest.sha256();
    return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  /** Drops superseded blobs once no upload of this or another process can still be reading them. */
  private static void pruneOldBlobs(Path blobs, Path current) throws IOException {
    Instant cutoff = Instant.now().minus(KEEP_OLD_BLOBS);
    try (DirectoryStream<Path> s = Files.newDirectoryStream(blobs, "*.tar.gz")) {
      for (Path p : s) {
        if (!p.equals(current) && Files.getLastModifiedTime(p).toInstant().isBefore(cutoff)) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
