package dev.ko.name;

/** A reference by tag; a missing tag means {@code latest}. */
public record Tag(Repository repository, String tag, String original) implements Reference {
  private static final String TAG_CHARS =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";

  public Tag {
    checkTag(tag);
  }

  public static Tag parse(String s, boolean insecure) {
    String base = s;
    String tag = "";
    int colon = s.lastIndexOf(':');
    // A colon followed by a slash belongs to a registry port, not a tag.
    if (colon >= 0 && s.indexOf('/', colon) < 0) {
      base = s.substring(0, colon);
      tag = s.substring(colon + 1);
      if (!tag.isEmpty()) { // "repo:" means the default tag, as in go-containerregistry
        checkTag(tag);
      }
    }
    if (tag.isEmpty()) {
      tag = "latest";
    }
    return new Tag(Repository.parse(base, insecure), tag, s);
  }

  public static Tag parse(String s) {
    return parse(s, false);
  }

  /**
   * Checks a tag alone, as {@code -t} gives it: the distribution grammar {@code
   * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}}. An empty tag or one starting with {@code .} or {@code -}
   * would only be refused by the registry after every blob was pushed.
   *
   * @throws BadNameException naming the rule the tag breaks
   */
  public static void checkTag(String tag) {
    if (tag.isEmpty()) {
      throw new BadNameException("tag must not be empty");
    }
    if (tag.charAt(0) == '.' || tag.charAt(0) == '-') {
      throw new BadNameException("tag must start with a letter, a digit or `_`: " + tag);
    }
    if (tag.length() > 128) {
      throw new BadNameException("tag must be at most 128 characters: " + tag);
    }
    for (int i = 0; i < tag.length(); i++) {
      if (TAG_CHARS.indexOf(tag.charAt(i)) < 0) {
        throw new BadNameException(
            "tag can only contain the characters `" + TAG_CHARS + "`: " + tag);
      }
    }
  }

  @Override
  public String identifier() {
    return tag;
  }

  @Override
  public String name() {
    return repository.name() + ":" + tag;
  }

  @Override
  public String toString() {
    return original;
  }
}
