package dev.ko.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a key that cosign itself wrote, as published test data. */
class KeySignerTest {
  /**
   * A key made by {@code cosign generate-key-pair} with an empty password (scrypt N=65536), the
   * test key of github.com/conforma/cli's VSA signing test (TestSignVSA; COSIGN_PASSWORD="").
   */
  private static final String COSIGN_WRITTEN =
      """
      -----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----
      eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjo2NTUzNiwiciI6
      OCwicCI6MX0sInNhbHQiOiJLYU9OQzduQVJLOVgxM1FoaWFucjAwTTBGYys2Sitr
      dnAxN1FuanpiVk9nPSJ9LCJjaXBoZXIiOnsibmFtZSI6Im5hY2wvc2VjcmV0Ym94
      Iiwibm9uY2UiOiJVOHZqWWtqMlZOUFZGdlZFZWZ3bXZ5VGloUERrelBoaCJ9LCJj
      aXBoZXJ0ZXh0IjoidWNWMnQ4TTZVNFJvb29FOXc0d3dkc3E1RDYrS2RKY245dERT
      KzFwRDRGN040SVJOWEgzSTBua3h1a3NackFOUHR1emIvTkVYQ201dUp3Zjh3Qzl1
      VlprbXdwNU5jRUZ6b3ZNS3JCZmNvdXdjaEkrMzkrQ0NhbVZPbzBucmRnZjhvcmpK
      dXdrWDBYL1phY0RUTERGaUxyc1laMWVMMmlqMGU1MVRpZmVQNTl4WXNPK1FnM1Jv
      OURRVjNQMk9ndDFDaVFHeGg1VXhUZytGc3c9PSJ9
      -----END ENCRYPTED SIGSTORE PRIVATE KEY-----
      """;

  @TempDir Path tmp;

  @Test
  void aKeyCosignWroteIsReadWithItsPasswordAndRefusedWithAnother() throws Exception {
    Path file = tmp.resolve("cosign.key");
    Files.writeString(file, COSIGN_WRITTEN);
    KeySigner signer = KeySigner.fromPem(file, "");
    byte[] signature = signer.sign("payload".getBytes(StandardCharsets.UTF_8));
    assertThat(signature[0]).as("an ASN.1 DER SEQUENCE").isEqualTo((byte) 0x30);

    assertThatThrownBy(() -> KeySigner.fromPem(file, "not the password"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sign key " + file + ": wrong password (or a corrupt key): decryption failed");
  }
}
