package dev.ko.registry;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.ko.io.AtomicFile;
import dev.ko.name.Registry;
import dev.ko.oci.Digest;
import dev.ko.oci.MediaType;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Manifests and config blobs kept on disk by digest, so that a base image pinned by digest is never
 * fetched again and one named by a tag costs one {@code HEAD} (ko does this since its PR #1102).
 * Content is named by its digest and checked against it when read, so a damaged file is simply
 * fetched again; what a tag points at is asked of the registry every time.
 */
final class ContentCache {
  /** No cache: every manifest and config is fetched. */
  static final ContentCache NONE = new ContentCache(null);

  private final Path root;

  /**
   * @param root where the files go; null for none
   */
  ContentCache(Path root) {
    this.root = root;
  }

  boolean enabled() {
    return root != null;
  }

  private Path manifestFile(Digest digest) {
    return root.resolve("manifests").resolve(digest.algorithm()).resolve(digest.hex());
  }

  private Path blobFile(Digest digest) {
    return root.resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex());
  }

  /** The manifest with this digest, as it was fetched, if it is here and intact. */
  Optional<RegistryClient.Fetched> manifest(Digest digest) {
    if (root == null) {
      return Optional.empty();
    }
    Path file = manifestFile(digest);
    try {
      byte[] bytes = Files.readAllBytes(file);
      if (!Digest.of(bytes).equals(digest)) {
        return Optional.empty();
      }
      String type =
          Files.readString(file.resolveSibling(digest.hex() + ".type"), StandardCharsets.UTF_8);
      return Optional.of(new RegistryClient.Fetched(new MediaType(type), bytes));
    } catch (IOException e) {
      return Optional.empty(); // not here (yet): fetch it
    }
  }

  /** Keeps a fetched manifest; failing to is only a lost optimisation. */
  void putManifest(RegistryClient.Fetched fetched) {
    if (root == null) {
      return;
    }
    Path file = manifestFile(fetched.digest());
    try {
      // The type first: a manifest file is only read with its type beside it.
      AtomicFile.write(
          file.resolveSibling(fetched.digest().hex() + ".type"),
          AtomicFile.SHARED,
          fetched.mediaType().value().getBytes(StandardCharsets.UTF_8));
      AtomicFile.write(file, AtomicFile.SHARED, fetched.bytes());
    } catch (IOException e) {
      // a full or read-only cache: the next run fetches it again
    }
  }

  /** A config blob with this digest, if it is here and intact. */
  Optional<byte[]> blob(Digest digest) {
    if (root == null) {
      return Optional.empty();
    }
    try {
      byte[] bytes = Files.readAllBytes(blobFile(digest));
      return Digest.of(bytes).equals(digest) ? Optional.of(bytes) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Keeps a config blob whose digest was checked. */
  void putBlob(Digest digest, byte[] bytes) {
    if (root == null) {
      return;
    }
    try {
      AtomicFile.write(blobFile(digest), AtomicFile.SHARED, bytes);
    } catch (IOException e) {
      // as above
    }
  }

  /**
   * Whether {@code registry}, one that may speak plain HTTP, answered over plain HTTP (and not over
   * HTTPS) in an earlier run: its ping then goes straight to HTTP, without the TLS probe. A memo,
   * not a setting: the ping over HTTP checks it, and a registry that no longer answers so is probed
   * both ways again ({@link PingTransport}).
   */
  boolean speaksPlainHttp(Registry registry) {
    return root != null && Files.exists(plainHttpFile(registry));
  }

  /** Records whether {@code registry} answered over plain HTTP only; failing to is harmless. */
  void rememberPlainHttp(Registry registry, boolean plain) {
    if (root == null) {
      return;
    }
    try {
      if (plain) {
        AtomicFile.write(plainHttpFile(registry), AtomicFile.SHARED, new byte[0]);
      } else {
        Files.deleteIfExists(plainHttpFile(registry));
      }
    } catch (IOException e) {
      // a read-only cache: the next run probes again
    }
  }

  private Path plainHttpFile(Registry registry) {
    return root.resolve("plain-http").resolve(URLEncoder.encode(registry.host(), UTF_8));
  }
}
