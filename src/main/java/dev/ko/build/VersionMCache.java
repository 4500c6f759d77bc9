package dev.ko.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the {@code go version -m} output of a build output next to it, so that a binary that
 * {@code go build} left untouched (same size, modification time and file identity) costs no
 * second run of {@code go} (about 70 ms) when its SBOM is made again. Callers hold the output
 * directory's lock.
 */
final class VersionMCache {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Produces the output when it is not cached. */
  @FunctionalInterface
  interface Source {
    String versionM() throws IOException;
  }

  String get(Path binary, Source source) throws IOException {
    Path meta = binary.resolveSibling("version-m.json");
    String key = key(binary);
    String cached = read(meta, key);
    if (cached != null) {
      return cached;
    }
    String output = source.versionM();
    ObjectNode m = MAPPER.createObjectNode();
    m.put("key", key);
    m.put("output", output);
    Path temp = Files.createTempFile(binary.getParent(), "version-m-", ".tmp");
    try {
      Files.write(temp, MAPPER.writeValueAsBytes(m));
      Files.move(temp, meta, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
    return output;
  }

  private static String key(Path binary) throws IOException {
    BasicFileAttributes a = Files.readAttributes(binary, BasicFileAttributes.class);
    return a.size() + "|" + a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + "|" + a.fileKey();
  }

  private static String read(Path meta, String key) {
    try {
      JsonNode m = MAPPER.readTree(meta.toFile());
      return key.equals(m.path("key").asText()) && m.path("output").isTextual() ? m.path("output").asText() : null;
    } catch (IOException e) {
      return null; // nothing usable cached: run go again
    }
  }
}
