package dev.ko.oci;

import java.util.Arrays;
import java.util.Objects;

/**
 * The exact bytes of a manifest, index or config and the media type they are stored under. Their
 * digest, size, descriptor and parsed form are derived from the bytes (each computed at most once),
 * so a value can never name a digest its bytes do not have, and what was pulled is never
 * re-serialised.
 *
 * @param <T> the parsed form: {@link Manifest}, {@link IndexManifest} or {@link ConfigFile}
 */
public final class Content<T> {
  /** Reads the parsed form from the bytes; the media type is the fallback for a missing field. */
  @FunctionalInterface
  private interface Parser<T> {
    T parse(byte[] bytes, MediaType mediaType);
  }

  private static final Parser<Manifest> MANIFEST = Manifest::parse;
  private static final Parser<IndexManifest> INDEX = IndexManifest::parse;
  private static final Parser<ConfigFile> CONFIG = (bytes, mediaType) -> ConfigFile.parse(bytes);

  private final MediaType mediaType;
  private final byte[] bytes;
  private final Parser<T> parser;

  // Memoised without a lock: both are pure functions of the final fields above, so a thread that
  // races another computes the same value, and Digest and the parsed records are immutable.
  private volatile Digest digest;
  private volatile T parsed;

  private Content(MediaType mediaType, byte[] bytes, Parser<T> parser) {
    this.mediaType = Objects.requireNonNull(mediaType, "mediaType");
    this.bytes = bytes.clone();
    this.parser = parser;
  }

  /** A manifest as stored; {@code mediaType} is what the registry said it is. */
  public static Content<Manifest> manifest(MediaType mediaType, byte[] bytes) {
    return new Content<>(mediaType, bytes, MANIFEST);
  }

  /** An index or manifest list as stored. */
  public static Content<IndexManifest> index(MediaType mediaType, byte[] bytes) {
    return new Content<>(mediaType, bytes, INDEX);
  }

  /** A config blob as stored; {@code mediaType} is its manifest's config media type. */
  public static Content<ConfigFile> config(MediaType mediaType, byte[] bytes) {
    return new Content<>(mediaType, bytes, CONFIG);
  }

  /** The manifest serialised as go-containerregistry does, under its own media type. */
  public static Content<Manifest> of(Manifest manifest) {
    return manifest(manifest.mediaType(), manifest.toJson());
  }

  /** The index serialised as go-containerregistry does, under its own media type. */
  public static Content<IndexManifest> of(IndexManifest index) {
    return index(index.mediaType(), index.toJson());
  }

  /** The config serialised as go-containerregistry does. */
  public static Content<ConfigFile> of(MediaType mediaType, ConfigFile config) {
    return config(mediaType, config.toJson());
  }

  public MediaType mediaType() {
    return mediaType;
  }

  /** A copy of the exact bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  public long size() {
    return bytes.length;
  }

  /** The sha256 of the bytes. */
  public Digest digest() {
    Digest d = digest;
    if (d == null) {
      d = Digest.of(bytes);
      digest = d;
    }
    return d;
  }

  /**
   * The bytes parsed.
   *
   * @throws IllegalArgumentException when they are not a valid document of this kind
   */
  public T parsed() {
    T p = parsed;
    if (p == null) {
      p = parser.parse(bytes, mediaType);
      parsed = p;
    }
    return p;
  }

  /** What a manifest or index names these bytes by. */
  public Descriptor descriptor() {
    return Descriptor.of(mediaType, size(), digest());
  }

  /** Whether {@code d} names exactly these bytes: same media type, size and digest. */
  public boolean isDescribedBy(Descriptor d) {
    return d.mediaType().equals(mediaType) && d.size() == size() && d.digest().equals(digest());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Content<?> other
        && parser.equals(other.parser)
        && mediaType.equals(other.mediaType)
        && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return 31 * mediaType.hashCode() + Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return mediaType + "@" + digest() + " (" + bytes.length + " bytes)";
  }
}
