package dev.ko.oci;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;

/**
 * Copies blobs while checking they are the bytes their digest names (base layers come from a
 * network).
 */
final class VerifiedBlobs {
  private VerifiedBlobs() {}

  /** A stream that, once read to the end, can tell whether the bytes matched. */
  static final class Checked extends DigestInputStream {
    private final Digest expected;
    private final String what;

    Checked(InputStream in, Digest expected, String what) {
      super(in, Digest.sha256());
      this.expected = expected;
      this.what = what;
    }

    void verify() throws IOException {
      MessageDigest md = getMessageDigest();
      Digest got = Digest.fromSha256(md.digest());
      if (!got.equals(expected)) {
        throw new IOException(what + ": content has digest " + got + ", want " + expected);
      }
    }
  }

  /** Copies exactly the layer's bytes to {@code out} and checks the digest. */
  static void copyLayer(Layer layer, OutputStream out) throws IOException {
    try (Checked in = new Checked(layer.compressed(), layer.digest(), "layer " + layer.digest())) {
      long n = in.transferTo(out);
      if (n != layer.size()) {
        throw new IOException(
            "layer " + layer.digest() + ": " + n + " bytes, want " + layer.size());
      }
      in.verify();
    }
  }
}
