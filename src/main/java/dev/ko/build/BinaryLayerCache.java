package dev.ko.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ko.concurrent.Futures.IoTask;
import dev.ko.io.AtomicFile;
import dev.ko.oci.Digest;
import dev.ko.oci.LayerFile;
import dev.ko.oci.LayerSink;
import dev.ko.oci.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Reuses the binary layer, and the binary's {@code go version -m} text, while {@code go build}
 * keeps producing the same binary. An up-to-date {@code go build -o} does not rewrite its output
 * but does reset its modification time, so the key is the binary's content: its Go build ID (whose
 * last part hashes the content; only the file's first kilobytes are read), or a SHA-256 of the file
 * when it has none ({@code -ldflags=-buildid=}). Layer blobs are stored by digest and never
 * rewritten, so a blob being uploaded cannot change underneath. Callers hold the output directory's
 * lock.
 */
final class BinaryLayerCache {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Duration KEEP_OLD_BLOBS = Duration.ofHours(1);

  /** A binary's layer and its {@code go version -m} text (empty when it was not asked for). */
  record Entry(LayerFile layer, String versionM) {}

  /**
   * The binary's layer as an OCI layer (callers retype it for Docker bases; the bytes are the same)
   * and, when {@code versionM} is given, what it returns for this binary, computed once per binary.
   * A new layer's blocks are offered to {@code helpers} to compress (see {@link
   * LayerFile#write(Path, MediaType, LayerFile.TarBody, Executor, int)}).
   */
  Entry get(
      Path binary,
      String name,
      boolean windows,
      byte[] capabilities,
      IoTask<String> versionM,
      Executor helpers)
      throws IOException {
    return get(binary, name, windows, capabilities, versionM, helpers, LayerSink.NONE);
  }

  /** As above; a layer that is written is offered to {@code sink} too. */
  Entry get(
      Path binary,
      String name,
      boolean windows,
      byte[] capabilities,
      IoTask<String> versionM,
      Executor helpers,
      LayerSink sink)
      throws IOException {
    Path dir = binary.getParent();
    Path meta = dir.resolve("layer.json");
    Path blobs = dir.resolve("layers");
    String key = key(binary, name, windows, capabilities);
    Optional<JsonNode> cached = read(meta, key);
    LayerFile layer = cached.flatMap(m -> layer(m, blobs)).orElse(null);
    String text = cached.map(m -> m.path("versionM").asText("")).orElse("");
    boolean textMissing = versionM != null && !cached.map(m -> m.has("versionM")).orElse(false);
    if (layer != null) {
      // Another process prunes blobs untouched for an hour: this one is in use again.
      Files.setLastModifiedTime(layer.path(), FileTime.from(Instant.now()));
      if (!textMissing) {
        return new Entry(layer, text);
      }
    } else {
      layer = write(binary, blobs, name, windows, capabilities, helpers, sink);
    }
    if (textMissing) {
      text = versionM.call();
    }
    ObjectNode m = MAPPER.createObjectNode();
    m.put("key", key);
    m.put("digest", layer.digest().toString());
    m.put("diffId", layer.diffId().toString());
    m.put("size", layer.size());
    if (versionM != null) {
      m.put("versionM", text);
    }
    byte[] metadata = MAPPER.writeValueAsBytes(m);
    AtomicFile.write(meta, AtomicFile.PRIVATE, out -> out.write(metadata));
    pruneOldBlobs(blobs, layer.path());
    return new Entry(layer, text);
  }

  private static LayerFile write(
      Path binary,
      Path blobs,
      String name,
      boolean windows,
      byte[] capabilities,
      Executor helpers,
      LayerSink sink)
      throws IOException {
    Files.createDirectories(blobs);
    Path temp = Files.createTempFile(blobs, "new-", ".tmp");
    try {
      LayerFile written =
          AppLayers.binary(
              temp,
              MediaType.OCI_LAYER,
              binary,
              name,
              windows,
              capabilities,
              helpers,
              Runtime.getRuntime().availableProcessors(),
              sink);
      Path blob = blobs.resolve(written.digest().hex() + ".tar.gz");
      Files.move(temp, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new LayerFile(
          blob, written.digest(), written.diffId(), written.size(), MediaType.OCI_LAYER);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** What decides the layer's bytes: the binary's content and how it is laid out in the tar. */
  static String key(Path binary, String name, boolean windows, byte[] capabilities)
      throws IOException {
    Optional<String> buildId = GoBuildId.read(binary);
    String content =
        buildId.isPresent() ? "go-build-id:" + buildId.get() : "sha256:" + sha256(binary);
    return content
        + "|"
        + Files.size(binary)
        + "|"
        + name
        + "|"
        + windows
        + "|"
        + HexFormat.of().formatHex(capabilities);
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        md.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static Optional<JsonNode> read(Path meta, String key) {
    try {
      JsonNode m = MAPPER.readTree(meta.toFile());
      return key.equals(m.path("key").asText()) ? Optional.of(m) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty(); // no usable metadata: build the layer again
    }
  }

  private static Optional<LayerFile> layer(JsonNode m, Path blobs) {
    try {
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
      return Optional.empty();
    }
  }

  /** Drops superseded blobs once no upload of this or another process can still be reading them. */
  private static void pruneOldBlobs(Path blobs, Path current) throws IOException {
    if (!Files.isDirectory(blobs)) {
      return;
    }
    Instant cutoff = Instant.now().minus(KEEP_OLD_BLOBS);
    try (DirectoryStream<Path> s = Files.newDirectoryStream(blobs)) {
      for (Path p : s) {
        if (!p.equals(current)
            && Files.getLastModifiedTime(p).compareTo(FileTime.from(cutoff)) < 0) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
