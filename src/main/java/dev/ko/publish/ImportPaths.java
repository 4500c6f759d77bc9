package dev.ko.publish;

import java.util.Locale;

/** Import paths as publishers see them. */
final class ImportPaths {
  private static final String STRICT_SCHEME = "ko://";

  private ImportPaths() {}

  /** The import path without {@code ko://}. */
  static String strip(String reference) {
    return reference.startsWith(STRICT_SCHEME) ? reference.substring(STRICT_SCHEME.length()) : reference;
  }

  /** Stripped and lower-cased: registries only accept lower-case repository names. */
  static String forRepository(String reference) {
    return strip(reference).toLowerCase(Locale.ROOT);
  }
}
