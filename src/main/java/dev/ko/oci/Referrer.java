package dev.ko.oci;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An OCI 1.1 referrer: an image manifest whose {@code subject} names another manifest and whose
 * {@code artifactType} says what it carries, with the empty config and the carried file as its
 * layers (image-spec 1.1, "artifacts guidance"). Pushed by digest; a registry with the referrers
 * API lists it under its subject, else the pusher keeps the referrers tag's index ({@link
 * ReferrersIndex}).
 */
public final class Referrer {
  /** The empty config's two bytes, {@code {}}. */
  private static final byte[] EMPTY_CONFIG = "{}".getBytes(StandardCharsets.UTF_8);

  /** The empty descriptor: {@code application/vnd.oci.empty.v1+json}, 2 bytes. */
  public static final Descriptor EMPTY =
      Descriptor.of(MediaType.OCI_EMPTY, EMPTY_CONFIG.length, Digest.of(EMPTY_CONFIG));

  private final MediaType artifactType;
  private final List<Layer> layers;
  private final Descriptor subject;
  private final SortedMap<String, String> annotations;
  private final Content<Manifest> manifest;

  private Referrer(
      MediaType artifactType,
      List<Layer> layers,
      Descriptor subject,
      SortedMap<String, String> annotations) {
    this.artifactType = artifactType;
    this.layers = List.copyOf(layers);
    this.subject = subject;
    this.annotations = annotations;
    this.manifest = Content.manifest(MediaType.OCI_MANIFEST, toJson());
  }

  /**
   * The referrer of {@code subject} that carries {@code layers} (one file each; an attestation
   * attachment may have several).
   *
   * @throws IllegalArgumentException for an empty artifact type (the referrers list could not tell
   *     it from a config type then)
   */
  public static Referrer of(
      MediaType artifactType,
      List<Layer> layers,
      Descriptor subject,
      Map<String, String> annotations) {
    if (artifactType.value().isEmpty()) {
      throw new IllegalArgumentException("a referrer needs an artifactType");
    }
    return new Referrer(artifactType, layers, subject, new TreeMap<>(annotations));
  }

  private byte[] toJson() {
    return GoJson.write(
        g -> {
          g.writeStartObject();
          g.writeNumberField("schemaVersion", 2);
          g.writeStringField("mediaType", MediaType.OCI_MANIFEST.value());
          g.writeStringField("artifactType", artifactType.value());
          g.writeFieldName("config");
          EMPTY.writeJson(g);
          Manifest.writeDescriptors(g, "layers", layers.stream().map(Layer::descriptor).toList());
          g.writeFieldName("subject");
          subject.writeJson(g);
          GoJson.omitEmpty(g, "annotations", annotations);
          g.writeEndObject();
        });
  }

  public MediaType artifactType() {
    return artifactType;
  }

  /** The manifest this referrer names. */
  public Descriptor subject() {
    return subject;
  }

  public List<Layer> layers() {
    return layers;
  }

  /** The config blob's bytes ({@code {}}). */
  public byte[] rawConfig() {
    return EMPTY_CONFIG.clone();
  }

  /** The exact manifest bytes. */
  public byte[] rawManifest() {
    return manifest.bytes();
  }

  public MediaType mediaType() {
    return MediaType.OCI_MANIFEST;
  }

  public Digest digest() {
    return manifest.digest();
  }

  /**
   * The entry of this referrer in a referrers list: the manifest's descriptor with its {@code
   * artifactType} and every annotation of the manifest, as the distribution spec requires.
   */
  public Descriptor descriptor() {
    return new Descriptor(
        MediaType.OCI_MANIFEST,
        manifest.size(),
        manifest.digest(),
        "",
        List.of(),
        annotations,
        null,
        artifactType.value());
  }
}
