package dev.ko.oci;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A file attached to an image or index the way cosign attaches one (an SBOM, for example): stored
 * as a tiny image of its own, under the tag {@code sha256-<hex of the subject's digest>.<name>} in
 * the subject's repository, so that {@code cosign download <name>} finds it.
 *
 * @param name the attachment kind, which is also the tag suffix ({@code sbom})
 * @param mediaType the media type of the file's one layer ({@code text/spdx+json})
 */
public record Attachment(String name, MediaType mediaType, byte[] content) {
  public Attachment {
    content = content.clone();
  }

  @Override
  public byte[] content() {
    return content.clone();
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
    return fileImage(new FileLayer(mediaType, content, Digest.of(content)));
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

  /** The file as an uncompressed layer. */
  private record FileLayer(MediaType mediaType, byte[] bytes, Digest digest) implements Layer {
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
