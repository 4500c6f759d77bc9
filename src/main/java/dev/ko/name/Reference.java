package dev.ko.name;

/**
 * An image reference: a {@link Tag} or a {@link DigestReference}. {@link #toString()} is the string
 * it was parsed from; {@link #name()} is the fully qualified form.
 */
public sealed interface Reference permits Tag, DigestReference {

  Repository repository();

  /** The tag or the digest. */
  String identifier();

  /** Fully qualified, e.g. {@code index.docker.io/library/alpine:latest}. */
  String name();

  /** The original string. */
  @Override
  String toString();

  static Reference parse(String s) {
    return parse(s, false);
  }

  /** Parses a tag reference (tag defaulting to {@code latest}) or a digest reference. */
  static Reference parse(String s, boolean insecure) {
    BadNameException tagError;
    try {
      return Tag.parse(s, insecure);
    } catch (BadNameException e) {
      tagError = e;
    }
    if (s.indexOf('@') >= 0) {
      return DigestReference.parse(s, insecure);
    }
    throw new BadNameException(
        "could not parse reference " + quote(s) + ": " + tagError.getMessage());
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }
}
