package dev.ko.oci;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A file attached to an image or index the way cosign attaches one (an SBOM, for example): stored
 * as a tiny image of its own, under the tag {@code sha256-<hex of the subject's digest>.<name>} in
 * the subject's repository, so that {@code cosign download <name>} finds it; or, as an OCI 1.1
 * referrer, as a manifest whose {@code subject} names the image ({@link #referrer}). A value: two
 * are equal when their name, media type, bytes and annotations are.
 */
public final class Attachment {
  private final String name;
  private final MediaType mediaType;
  private final byte[] content;
  private final SortedMap<String, String> layerAnnotations;
  private final MediaType artifactType;
  private final SortedMap<String, String> referrerAnnotations;
  private final List<Part> more;

  /**
   * One more file of an attachment that holds several (cosign's {@code att} image has one layer per
   * attestation), with its layer media type and annotations.
   */
  @SuppressWarnings("ArrayRecordComponent")
  public record Part(MediaType mediaType, byte[] content, Map<String, String> annotations) {
    public Part {
      content = content.clone();
      annotations = Map.copyOf(annotations);
    }

    @Override
    public byte[] content() {
      return content.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Part p
          && mediaType.equals(p.mediaType)
          && Arrays.equals(content, p.content)
          && annotations.equals(p.annotations);
    }

    @Override
    public int hashCode() {
      return Objects.hash(mediaType, Arrays.hashCode(content), annotations);
    }
  }

  /**
   * An attachment of a copy of {@code content}.
   *
   * @param name the attachment kind, which is also the tag suffix ({@code sbom})
   * @param mediaType the media type of the file's one layer ({@code text/spdx+json})
   */
  public Attachment(String name, MediaType mediaType, byte[] content) {
    this(name, mediaType, content, Map.of());
  }

  /**
   * An attachment whose one layer descriptor carries {@code layerAnnotations}: cosign keeps a
   * signature there ({@code dev.cosignproject.cosign/signature}), next to the payload it signs.
   */
  public Attachment(
      String name, MediaType mediaType, byte[] content, Map<String, String> layerAnnotations) {
    this(name, mediaType, content, layerAnnotations, mediaType, Map.of());
  }

  private Attachment(
      String name,
      MediaType mediaType,
      byte[] content,
      Map<String, String> layerAnnotations,
      MediaType artifactType,
      Map<String, String> referrerAnnotations) {
    this.name = name;
    this.mediaType = mediaType;
    this.content = content.clone();
    this.layerAnnotations = new TreeMap<>(layerAnnotations);
    this.more = List.of();
    this.artifactType = artifactType;
    this.referrerAnnotations = new TreeMap<>(referrerAnnotations);
  }

  private Attachment(
      Attachment a, MediaType artifactType, Map<String, String> referrerAnnotations) {
    this.name = a.name;
    this.mediaType = a.mediaType;
    this.content = a.content;
    this.layerAnnotations = a.layerAnnotations;
    this.more = a.more;
    this.artifactType = artifactType;
    this.referrerAnnotations = new TreeMap<>(referrerAnnotations);
  }

  /**
   * This attachment with {@code type} as the {@code artifactType} of its referrer manifest (the
   * default is the file's media type, which suits SBOMs; cosign's signatures have a type of their
   * own). The cosign-tag image does not change.
   */
  public Attachment withArtifactType(MediaType type) {
    return new Attachment(this, type, referrerAnnotations);
  }

  /**
   * This attachment with {@code annotations} on its referrer manifest (none by default), which the
   * referrers list repeats. The cosign-tag image does not change.
   */
  public Attachment withReferrerAnnotations(Map<String, String> annotations) {
    return new Attachment(this, artifactType, annotations);
  }

  /** The {@code artifactType} of the referrer manifest. */
  public MediaType artifactType() {
    return artifactType;
  }

  /** The annotations of the referrer manifest. */
  public SortedMap<String, String> referrerAnnotations() {
    return new TreeMap<>(referrerAnnotations);
  }

  /**
   * An attachment of several files, one layer each, in order (at least one); its referrer's {@code
   * artifactType} is the first file's media type.
   *
   * @throws IllegalArgumentException when {@code parts} is empty
   */
  public Attachment(String name, List<Part> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("attachment \"" + name + "\" has no files");
    }
    Part first = parts.get(0);
    this.name = name;
    this.mediaType = first.mediaType();
    this.content = first.content();
    this.layerAnnotations = new TreeMap<>(first.annotations());
    this.more = List.copyOf(parts.subList(1, parts.size()));
    this.artifactType = first.mediaType();
    this.referrerAnnotations = new TreeMap<>();
  }

  /** Every file of the attachment, the first one ({@link #content()}) first. */
  public List<Part> parts() {
    List<Part> out = new ArrayList<>();
    out.add(new Part(mediaType, content, layerAnnotations));
    out.addAll(more);
    return out;
  }

  /** The annotations of the file's layer descriptor (none for SBOMs). */
  public SortedMap<String, String> layerAnnotations() {
    return new TreeMap<>(layerAnnotations);
  }

  public String name() {
    return name;
  }

  public MediaType mediaType() {
    return mediaType;
  }

  /** A copy of the file. */
  public byte[] content() {
    return content.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Attachment a
        && Objects.equals(name, a.name)
        && Objects.equals(mediaType, a.mediaType)
        && Arrays.equals(content, a.content)
        && layerAnnotations.equals(a.layerAnnotations)
        && more.equals(a.more)
        && artifactType.equals(a.artifactType)
        && referrerAnnotations.equals(a.referrerAnnotations);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        name,
        mediaType,
        Arrays.hashCode(content),
        layerAnnotations,
        more,
        artifactType,
        referrerAnnotations);
  }

  @Override
  public String toString() {
    return "Attachment[name="
        + name
        + ", mediaType="
        + mediaType
        + ", "
        + content.length
        + " bytes]";
  }

  /** cosign's tag for this attachment of {@code subject}. */
  public String tag(Digest subject) {
    return subject.algorithm() + "-" + subject.hex() + "." + name;
  }

  /**
   * The image that carries the file, as cosign's {@code static.NewFile} builds it: an OCI manifest
   * with an empty-platform config and the file as one uncompressed layer (digest = diffID).
   */
  public Image image() {
    List<Layer> layers = fileLayers();
    return layers.size() == 1 ? fileImage(layers.get(0)) : filesImage(layers);
  }

  /** One uncompressed layer per file (digest = diffID), with its annotations. */
  private List<Layer> fileLayers() {
    List<Layer> layers = new ArrayList<>();
    for (Part p : parts()) {
      byte[] bytes = p.content();
      layers.add(
          new FileLayer(p.mediaType(), bytes, Digest.of(bytes), new TreeMap<>(p.annotations())));
    }
    return layers;
  }

  /**
   * The file as an OCI 1.1 referrer of {@code subject}: an image manifest with {@link
   * #artifactType()}, the empty config ({@code application/vnd.oci.empty.v1+json}, {@code {}}), the
   * files as its layers (with the same annotations as in the cosign image) and {@code subject}.
   */
  public Referrer referrer(Descriptor subject) {
    return Referrer.of(
        artifactType,
        fileLayers(),
        Descriptor.of(subject.mediaType(), subject.size(), subject.digest()),
        referrerAnnotations);
  }

  static Image fileImage(Layer layer) {
    ConfigFile config =
        new ConfigFile(
            "",
            "",
            "",
            GoTime.ZERO,
            "",
            List.of(new History("", GoTime.ZERO, "", "", false)),
            "",
            "layers",
            List.of(layer.diffId()),
            ContainerConfig.EMPTY,
            "",
            "",
            List.of());
    Manifest manifest =
        new Manifest(
            2,
            MediaType.OCI_MANIFEST,
            Descriptor.of(MediaType.OCI_CONFIG, 0, layer.diffId()),
            List.of(layer.descriptor()),
            null,
            null);
    return BuiltImage.of(manifest, config, List.of(layer));
  }

  /** As {@link #fileImage}, with one layer (and one empty history entry) per file. */
  private static Image filesImage(List<Layer> layers) {
    List<History> history = new ArrayList<>();
    List<Digest> diffIds = new ArrayList<>();
    List<Descriptor> descriptors = new ArrayList<>();
    for (Layer layer : layers) {
      history.add(new History("", GoTime.ZERO, "", "", false));
      diffIds.add(layer.diffId());
      descriptors.add(layer.descriptor());
    }
    ConfigFile config =
        new ConfigFile(
            "",
            "",
            "",
            GoTime.ZERO,
            "",
            history,
            "",
            "layers",
            diffIds,
            ContainerConfig.EMPTY,
            "",
            "",
            List.of());
    Manifest manifest =
        new Manifest(
            2,
            MediaType.OCI_MANIFEST,
            Descriptor.of(MediaType.OCI_CONFIG, 0, diffIds.get(0)),
            descriptors,
            null,
            null);
    return BuiltImage.of(manifest, config, layers);
  }

  /**
   * An immutable copy of {@code attachments}, which may name each kind once only: the name is the
   * tag suffix, so two of one kind would overwrite each other in the registry.
   *
   * @throws IllegalArgumentException when two share a name
   */
  public static List<Attachment> copyOf(List<Attachment> attachments) {
    Set<String> names = new HashSet<>();
    for (Attachment a : attachments) {
      if (!names.add(a.name())) {
        throw new IllegalArgumentException("two attachments named \"" + a.name() + "\"");
      }
    }
    return List.copyOf(attachments);
  }

  /** {@code attachments} with {@code added} at the end, in place of any of the same name. */
  static List<Attachment> adding(List<Attachment> attachments, Attachment added) {
    List<Attachment> out = new ArrayList<>();
    for (Attachment a : attachments) {
      if (!a.name().equals(added.name())) {
        out.add(a);
      }
    }
    out.add(added);
    return out;
  }

  /**
   * The file as an uncompressed layer. The array is the attachment's own copy, which nothing writes
   * and this private record hands to no one but a ByteArrayInputStream; layers are told apart by
   * digest, so array identity in the generated equals is harmless.
   */
  @SuppressWarnings("ArrayRecordComponent")
  private record FileLayer(
      MediaType mediaType, byte[] bytes, Digest digest, SortedMap<String, String> annotations)
      implements Layer {
    @Override
    public Descriptor descriptor() {
      return new Descriptor(mediaType, bytes.length, digest, "", List.of(), annotations, null, "");
    }

    @Override
    public Digest diffId() {
      return digest;
    }

    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public InputStream compressed() {
      return new ByteArrayInputStream(bytes);
    }
  }
}
