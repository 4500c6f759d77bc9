package dev.ko.publish;

import dev.ko.oci.GoPath;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Turns {@code KO_DOCKER_REPO} and an import path into an image name. */
@FunctionalInterface
public interface Namer {
  String name(String base, String importPath);

  /** ko's default: {@code base/<last element>-<md5 of the import path>}. */
  static Namer md5() {
    return (base, ip) -> GoPath.join(base, GoPath.base(ip) + "-" + md5Hex(ip));
  }

  /** {@code -P}: the whole import path under the base. */
  static Namer preserveImportPaths() {
    return GoPath::join;
  }

  /** {@code -B}: only the last element of the import path. */
  static Namer baseImportPaths() {
    return (base, ip) -> GoPath.join(base, GoPath.base(ip));
  }

  /** {@code --bare}: the base alone. */
  static Namer bare() {
    return (base, ip) -> base;
  }

  /** ko's precedence: -P, then -B, then --bare, then md5. */
  static Namer select(boolean preserveImportPaths, boolean baseImportPaths, boolean bare) {
    if (preserveImportPaths) {
      return preserveImportPaths();
    }
    if (baseImportPaths) {
      return baseImportPaths();
    }
    return bare ? bare() : md5();
  }

  static String md5Hex(String s) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no MD5", e);
    }
  }
}
