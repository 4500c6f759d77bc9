package dev.ko.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A content digest, {@code sha256:<64 hex>}. */
public record Digest(String algorithm, String hex) {
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  public Digest {
    if (!algorithm.equals("sha256") || !SHA256_HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException(
          "invalid digest \""
              + algorithm
              + ":"
              + hex
              + "\": want sha256:<64 lowercase hex digits>");
    }
  }

  public static Digest parse(String s) {
    int colon = s.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          "invalid digest \"" + s + "\": want sha256:<64 lowercase hex digits>");
    }
    return new Digest(s.substring(0, colon), s.substring(colon + 1));
  }

  public static Digest of(byte[] bytes) {
    return fromSha256(sha256().digest(bytes));
  }

  public static Digest fromSha256(byte[] sum) {
    return new Digest("sha256", HexFormat.of().formatHex(sum));
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }
}
