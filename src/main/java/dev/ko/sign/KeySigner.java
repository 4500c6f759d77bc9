package dev.ko.sign;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/** ECDSA P-256 over SHA-256 with a private key, which is what cosign's key-based signing does. */
public final class KeySigner implements Signer {
  private static final String BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String END = "-----END PRIVATE KEY-----";
  private static final List<String> ENCRYPTED =
      List.of("ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY");

  private final PrivateKey key;

  private KeySigner(PrivateKey key) {
    this.key = key;
  }

  /**
   * The signer of a PKCS#8 PEM EC key file ({@code openssl genpkey -algorithm EC -pkeyopt
   * ec_paramgen_curve:P-256}) or of a cosign encrypted key ({@code cosign generate-key-pair}).
   *
   * @param password the encrypted key's password ({@code COSIGN_PASSWORD}); unused otherwise
   * @throws IllegalArgumentException naming the file when it holds no such key
   */
  public static KeySigner fromPem(Path file, String password) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    for (String kind : ENCRYPTED) {
      String b = "-----BEGIN " + kind + "-----";
      String e = "-----END " + kind + "-----";
      int begin = text.indexOf(b);
      int end = text.indexOf(e);
      if (begin >= 0 && end > begin) {
        byte[] body = pemBody(file, text.substring(begin + b.length(), end));
        byte[] der;
        try {
          der = CosignKeys.decrypt(body, password.toCharArray());
        } catch (IllegalArgumentException | IOException x) {
          throw new IllegalArgumentException("sign key " + file + ": " + x.getMessage(), x);
        }
        return fromDer(file, der);
      }
    }
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(
          "sign key "
              + file
              + ": expected a PEM \"PRIVATE KEY\" (PKCS#8 EC P-256) or a cosign"
              + " \"ENCRYPTED SIGSTORE PRIVATE KEY\"");
    }
    return fromDer(file, pemBody(file, text.substring(begin + BEGIN.length(), end)));
  }

  private static byte[] pemBody(Path file, String body) {
    try {
      return Base64.getDecoder().decode(body.replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("sign key " + file + ": the PEM body is not base64", e);
    }
  }

  private static KeySigner fromDer(Path file, byte[] der) {
    try {
      PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
      if (!(key instanceof ECPrivateKey ec)
          || ec.getParams().getCurve().getField().getFieldSize() != 256) {
        throw new IllegalArgumentException(
            "sign key " + file + ": expected an EC P-256 key, got another key type or curve");
      }
      return new KeySigner(key);
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      if (e instanceof IllegalArgumentException i && i.getMessage().startsWith("sign key")) {
        throw i;
      }
      throw new IllegalArgumentException(
          "sign key " + file + ": expected a PKCS#8 EC P-256 key (" + e.getMessage() + ")", e);
    }
  }

  @Override
  public byte[] sign(byte[] payload) throws IOException {
    try {
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(key);
      s.update(payload);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IOException("signing failed: " + e.getMessage(), e);
    }
  }
}
