package dev.ko.sign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.generators.SCrypt;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * cosign's encrypted private keys: a PEM body holding JSON {@code {kdf: {name: scrypt, params: {N,
 * r, p}, salt}, cipher: {name: nacl/secretbox, nonce}, ciphertext}}, the plaintext a PKCS#8 DER
 * key.
 */
final class CosignKeys {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CosignKeys() {}

  /**
   * The PKCS#8 DER inside {@code body} (the decoded PEM body).
   *
   * @throws IllegalArgumentException for a wrong password or a malformed key
   */
  static byte[] decrypt(byte[] body, char[] password) throws IOException {
    JsonNode json = JSON.readTree(body);
    if (!"scrypt".equals(json.at("/kdf/name").asText())
        || !"nacl/secretbox".equals(json.at("/cipher/name").asText())) {
      throw new IllegalArgumentException(
          "expected kdf scrypt and cipher nacl/secretbox, got "
              + json.at("/kdf/name").asText()
              + " and "
              + json.at("/cipher/name").asText());
    }
    Base64.Decoder b64 = Base64.getDecoder();
    byte[] salt = b64.decode(json.at("/kdf/salt").asText());
    byte[] nonce = b64.decode(json.at("/cipher/nonce").asText());
    byte[] box = b64.decode(json.at("/ciphertext").asText());
    int n = json.at("/kdf/params/N").asInt();
    int r = json.at("/kdf/params/r").asInt();
    int p = json.at("/kdf/params/p").asInt();
    if (nonce.length != 24 || box.length < 16 || n < 2 || r < 1 || p < 1) {
      throw new IllegalArgumentException("malformed encrypted key parameters");
    }
    byte[] key =
        SCrypt.generate(new String(password).getBytes(StandardCharsets.UTF_8), salt, n, r, p, 32);
    return open(box, nonce, key);
  }

  /** NaCl secretbox open: XSalsa20 keystream, its first 32 bytes the Poly1305 key of the tag. */
  static byte[] open(byte[] box, byte[] nonce, byte[] key) {
    XSalsa20Engine salsa = new XSalsa20Engine();
    salsa.init(false, new ParametersWithIV(new KeyParameter(key), nonce));
    byte[] macKey = new byte[32];
    salsa.processBytes(new byte[32], 0, 32, macKey, 0);
    Poly1305 mac = new Poly1305();
    mac.init(new KeyParameter(macKey));
    mac.update(box, 16, box.length - 16);
    byte[] tag = new byte[16];
    mac.doFinal(tag, 0);
    if (!MessageDigest.isEqual(tag, Arrays.copyOfRange(box, 0, 16))) {
      throw new IllegalArgumentException("wrong password (or a corrupt key): decryption failed");
    }
    byte[] plain = new byte[box.length - 16];
    salsa.processBytes(box, 16, plain.length, plain, 0);
    return plain;
  }
}
