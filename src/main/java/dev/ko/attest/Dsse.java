package dev.ko.attest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ko.oci.MediaType;
import dev.ko.sign.Signer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * DSSE v1 envelopes (the Dead Simple Signing Envelope): the signature is over the
 * pre-authentication encoding of payload type and payload, never over the payload alone.
 */
public final class Dsse {
  /** The layer media type cosign gives an envelope. */
  public static final MediaType MEDIA_TYPE = new MediaType("application/vnd.dsse.envelope.v1+json");

  /** The payload type of an in-toto statement. */
  public static final String IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private Dsse() {}

  /**
   * {@code PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body}, lengths as ASCII
   * decimal byte counts.
   */
  public static byte[] pae(String payloadType, byte[] payload) {
    byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(type);
    out.writeBytes((" " + payload.length + " ").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(payload);
    return out.toByteArray();
  }

  /**
   * The envelope {@code {"payloadType", "payload", "signatures": [{"keyid": "", "sig"}]}} of {@code
   * payload}, signed over its PAE bytes ({@code keyid} empty, as cosign writes it for a key).
   */
  public static byte[] envelope(String payloadType, byte[] payload, Signer signer)
      throws IOException {
    byte[] signature = signer.sign(pae(payloadType, payload));
    Base64.Encoder b64 = Base64.getEncoder();
    ObjectNode envelope = JSON.createObjectNode();
    envelope.put("payloadType", payloadType);
    envelope.put("payload", b64.encodeToString(payload));
    ObjectNode sig = envelope.putArray("signatures").addObject();
    sig.put("keyid", "");
    sig.put("sig", b64.encodeToString(signature));
    return JSON.writeValueAsBytes(envelope);
  }
}
