package dev.ko.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ko.oci.Digest;
import dev.ko.oci.LayerFile;
import dev.ko.oci.MediaType;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * Reuses the binary layer when {@code go build} left its output untouched (same size, modification
 * time and file identity), so an unchanged package costs no tar, gzip or hashing. Layer blobs are
 * stored by digest and never rewritten, so a blob being uploaded cannot change underneath.
 * Callers hold the output directory's lock.
 */
final class BinaryLayerCache {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Duration KEEP_OLD_BLOBS = Duration.ofHours(1);

  /**
   * The binary's layer as an OCI layer; callers retype it for Docker bases (the bytes are the same).
   */
  LayerFile get(Path binary, String name, boolean windows, byte[] capabilities) throws IOException {
    MediaType mediaType = MediaType.OCI_LAYER;
    Path dir = binary.getParent();
    Path meta = dir.resolve("layer.json");
    Path blobs = dir.resolve("layers");
    String key = key(binary, name, windows, capabilities);
    LayerFile cached = read(meta, blobs, key, mediaType);
    if (cached != null) {
      return cached;
    }
    Files.createDirectories(blobs);
    Path temp = Files.createTempFile(blobs, "new-", ".tmp");
    LayerFile written;
    try {
      written = AppLayers.binary(temp, mediaType, binary, name, windows, capabilities);
      Path blob = blobs.resolve(written.digest().hex() + ".tar.gz");
      Files.move(temp, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      written = new LayerFile(blob, written.digest(), written.diffId(), written.size(), mediaType);
    } finally {
      Files.deleteIfExists(temp);
    }
    ObjectNode m = MAPPER.createObjectNode();
    m.put("key", key);
    m.put("digest", written.digest().toString());
    m.put("diffId", written.diffId().toString());
    m.put("size", written.size());
    Path tempMeta = Files.createTempFile(dir, "layer-", ".tmp");
    Files.write(tempMeta, MAPPER.writeValueAsBytes(m));
    Files.move(tempMeta, meta, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    pruneOldBlobs(blobs, written.path());
    return written;
  }

  private static String key(Path binary, String name, boolean windows, byte[] capabilities) throws IOException {
    BasicFileAttributes a = Files.readAttributes(binary, BasicFileAttributes.class);
    return a.size() + "|" + a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + "|" + a.fileKey() + "|" + name + "|"
        + windows + "|" + HexFormat.of().formatHex(capabilities);
  }

  private static LayerFile read(Path meta, Path blobs, String key, MediaType mediaType) {
    try {
      JsonNode m = MAPPER.readTree(meta.toFile());
      if (!key.equals(m.path("key").asText())) {
        return null;
      }
      Digest digest = Digest.parse(m.path("digest").asText());
      Path blob = blobs.resolve(digest.hex() + ".tar.gz");
      long size = m.path("size").asLong(-1);
      if (!Files.isRegularFile(blob) || Files.size(blob) != size) {
        return null;
      }
      return new LayerFile(blob, digest, Digest.parse(m.path("diffId").asText()), size, mediaType);
    } catch (IOException | IllegalArgumentException e) {
      return null; // no usable metadata: build the layer again
    }
  }

  /** Drops superseded blobs once no upload of this or another process can still be reading them. */
  private static void pruneOldBlobs(Path blobs, Path current) throws IOException {
    Instant cutoff = Instant.now().minus(KEEP_OLD_BLOBS);
    try (DirectoryStream<Path> s = Files.newDirectoryStream(blobs)) {
      for (Path p : s) {
        if (!p.equals(current) && Files.getLastModifiedTime(p).compareTo(FileTime.from(cutoff)) < 0) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
