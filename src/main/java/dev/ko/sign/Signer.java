package dev.ko.sign;

import java.io.IOException;

/**
 * Signs bytes. One interface so that keyless signing (a Fulcio certificate, a Rekor entry) can be
 * added beside key files without touching the publishers.
 */
public interface Signer {
  /** The signature of {@code payload}, in the encoding cosign stores (ASN.1 DER for ECDSA). */
  byte[] sign(byte[] payload) throws IOException;
}
