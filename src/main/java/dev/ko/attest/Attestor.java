package dev.ko.attest;

import dev.ko.oci.Artifact;
import dev.ko.oci.Attachment;
import dev.ko.oci.BuiltIndex;
import dev.ko.oci.Digest;
import dev.ko.oci.MediaType;
import dev.ko.sign.Signer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns what a build attached into cosign's {@code att} attachment of each subject (the artifact
 * and, for an index built here, each child), once the repository that names the subject is known:
 *
 * <ul>
 *   <li>with a signer, the SBOM attachment becomes a statement too (predicate {@value #SPDX} or
 *       {@value #CYCLONEDX}) and every statement is a DSSE envelope signed over its PAE bytes,
 *       layer media type {@code application/vnd.dsse.envelope.v1+json};
 *   <li>without one, only the provenance is attested, as the bare statement (layer media type
 *       {@code application/vnd.in-toto+json}), since an envelope without a signature proves
 *       nothing.
 * </ul>
 *
 * Each layer carries {@value #PREDICATE_TYPE} (and, as cosign writes, an empty signature
 * annotation). The provenance predicate travels from the build as the {@value
 * Provenance#ATTACHMENT} attachment, which is removed here, so it is never pushed on its own.
 */
public final class Attestor {
  /** The attachment (and tag suffix) cosign uses for attestations. */
  public static final String ATTACHMENT = "att";

  public static final String PREDICATE_TYPE = "dev.cosignproject.cosign/predicateType";
  public static final String SIGNATURE = "dev.cosignproject.cosign/signature";
  public static final String SPDX = "https://spdx.dev/Document";
  public static final String CYCLONEDX = "https://cyclonedx.org/bom";
  public static final MediaType STATEMENT_MEDIA_TYPE = new MediaType(Dsse.IN_TOTO_PAYLOAD_TYPE);

  private static final String SBOM = "sbom";
  private static final Map<String, String> SBOM_PREDICATES =
      Map.of("text/spdx+json", SPDX, "application/vnd.cyclonedx+json", CYCLONEDX);

  private final Optional<Signer> signer;

  public Attestor(Optional<Signer> signer) {
    this.signer = signer;
  }

  /**
   * The artifact (and the children of an index built here) with its {@code att} attachment; the
   * artifact itself when there is nothing to attest.
   *
   * @param repository the subjects' name in the statements, as cosign names them
   */
  public Artifact attest(Artifact artifact, String repository) throws IOException {
    if (artifact instanceof BuiltIndex index) {
      Map<Digest, Artifact> children = new HashMap<>();
      boolean changed = false;
      for (Map.Entry<Digest, Artifact> e : index.children().entrySet()) {
        Artifact attested = attestOne(e.getValue(), repository);
        changed |= attested != e.getValue();
        children.put(e.getKey(), attested);
      }
      if (changed) {
        artifact = new BuiltIndex(index.manifestContent(), children, index.attachments());
      }
    }
    return attestOne(artifact, repository);
  }

  private Artifact attestOne(Artifact subject, String repository) throws IOException {
    List<Statement> statements = new ArrayList<>();
    List<Attachment> kept = new ArrayList<>();
    boolean hadProvenance = false;
    for (Attachment a : subject.attachments()) {
      if (a.name().equals(Provenance.ATTACHMENT)) {
        hadProvenance = true;
        statements.add(
            Statement.of(repository, subject.digest(), Provenance.PREDICATE_TYPE, a.content()));
        continue;
      }
      kept.add(a);
      String sbomType = SBOM_PREDICATES.get(a.mediaType().value());
      if (signer.isPresent() && a.name().equals(SBOM) && sbomType != null) {
        statements.add(Statement.of(repository, subject.digest(), sbomType, a.content()));
      }
    }
    if (statements.isEmpty()) {
      return hadProvenance ? subject.withAttachments(kept) : subject;
    }
    List<Attachment.Part> parts = new ArrayList<>();
    for (Statement s : statements) {
      byte[] json = s.toJson();
      if (signer.isPresent()) {
        parts.add(
            new Attachment.Part(
                Dsse.MEDIA_TYPE,
                Dsse.envelope(Dsse.IN_TOTO_PAYLOAD_TYPE, json, signer.get()),
                Map.of(PREDICATE_TYPE, s.predicateType(), SIGNATURE, "")));
      } else {
        parts.add(
            new Attachment.Part(
                STATEMENT_MEDIA_TYPE, json, Map.of(PREDICATE_TYPE, s.predicateType())));
      }
    }
    kept.add(new Attachment(ATTACHMENT, parts));
    return subject.withAttachments(kept);
  }
}
