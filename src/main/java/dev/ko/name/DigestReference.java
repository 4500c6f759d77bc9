package dev.ko.name;

import java.util.regex.Pattern;

/**
 * A reference by digest ({@code repo@sha256:...}); a tag before the digest is allowed and ignored.
 */
public record DigestReference(Repository repository, String digest, String original)
    implements Reference {
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

  public DigestReference {
    if (!DIGEST.matcher(digest).matches()) {
      throw new BadNameException("digest must be sha256:<64 lowercase hex digits>: " + digest);
    }
  }

  public static DigestReference parse(String s, boolean insecure) {
    String[] parts = s.split("@", -1);
    if (parts.length != 2) {
      throw new BadNameException(
          "a digest must contain exactly one '@' separator (e.g. registry/repository@digest) saw: "
              + s);
    }
    String base = parts[0];
    Repository repository;
    try {
      repository = Tag.parse(base, insecure).repository();
    } catch (BadNameException e) {
      repository = Repository.parse(base, insecure);
    }
    return new DigestReference(repository, parts[1], s);
  }

  @Override
  public String identifier() {
    return digest;
  }

  @Override
  public String name() {
    return repository.name() + "@" + digest;
  }

  @Override
  public String toString() {
    return original;
  }
}
