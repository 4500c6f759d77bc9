package dev.ko.sign;

import dev.ko.oci.Attachment;
import dev.ko.oci.Digest;
import dev.ko.oci.MediaType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * cosign's signature of an image or index: the simple-signing payload as the one layer of an image
 * tagged {@code sha256-<hex>.sig}, the base64 signature in the layer's annotation.
 */
public final class CosignSignature {
  /** The {@code artifactType} of a signature pushed as an OCI 1.1 referrer, as cosign's. */
  public static final MediaType ARTIFACT_TYPE =
      new MediaType("application/vnd.dev.cosign.artifact.sig.v1+json");

  public static final MediaType PAYLOAD_TYPE =
      new MediaType("application/vnd.dev.cosign.simplesigning.v1+json");
  public static final String ANNOTATION = "dev.cosignproject.cosign/signature";
  static final String ATTACHMENT = "sig";

  private CosignSignature() {}

  /**
   * The simple-signing payload cosign signs: the repository ({@code docker-reference}) and the
   * manifest digest. Field order as cosign writes it, so the bytes match what it would sign.
   */
  public static byte[] payload(String repository, Digest digest) {
    String json =
        "{\"critical\":{\"identity\":{\"docker-reference\":\""
            + jsonEscape(repository)
            + "\"},\"image\":{\"docker-manifest-digest\":\""
            + digest
            + "\"},\"type\":\"cosign container image signature\"},\"optional\":null}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  /** The {@code sig} attachment of {@code digest} pushed to {@code repository}. */
  public static Attachment attachment(Signer signer, String repository, Digest digest)
      throws IOException {
    byte[] payload = payload(repository, digest);
    String signature = Base64.getEncoder().encodeToString(signer.sign(payload));
    return new Attachment(ATTACHMENT, PAYLOAD_TYPE, payload, Map.of(ANNOTATION, signature))
        .withArtifactType(ARTIFACT_TYPE);
  }

  private static String jsonEscape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
