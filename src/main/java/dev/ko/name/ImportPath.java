package dev.ko.name;

import java.util.Locale;

/**
 * ko's strict references to Go import paths, {@code ko://example.com/app/cmd/x}: the scheme is
 * spelled here once, for the builder, the publishers and YAML resolution.
 */
public final class ImportPath {
  /** What marks a string as a reference to build ({@code ko://}). */
  public static final String SCHEME = "ko://";

  private ImportPath() {}

  /** Whether the string is a strict reference. */
  public static boolean isStrict(String s) {
    return s.startsWith(SCHEME);
  }

  /** The import path without {@code ko://}. */
  public static String strip(String reference) {
    return isStrict(reference) ? reference.substring(SCHEME.length()) : reference;
  }

  /** Stripped and lower-cased: registries only accept lower-case repository names. */
  public static String forRepository(String reference) {
    return strip(reference).toLowerCase(Locale.ROOT);
  }
}
