package dev.ko.name;

/**
 * A repository within a registry. {@link #path()} is the canonical path, with Docker Hub's implicit
 * {@code library/} namespace added for one-component names.
 */
public record Repository(Registry registry, String path) {
  private static final String REPOSITORY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_-./";

  public Repository {
    if (path.isEmpty()) {
      throw new BadNameException("a repository name must be specified");
    }
    int length = path.codePointCount(0, path.length());
    if (length < 2 || length > 255) {
      throw new BadNameException(
          "repository must be between 2 and 255 characters in length: " + path);
    }
    for (int i = 0; i < path.length(); i++) {
      if (REPOSITORY_CHARS.indexOf(path.charAt(i)) < 0) {
        throw new BadNameException(
            "repository can only contain the characters `" + REPOSITORY_CHARS + "`: " + path);
      }
    }
    // "a//b", "/a" or "a/": registries would 404 or quietly normalise it to another name.
    if (path.startsWith("/") || path.endsWith("/") || path.contains("//")) {
      throw new BadNameException("repository path has an empty component: " + path);
    }
    if (registry.isDockerHub() && path.indexOf('/') < 0) {
      path = "library/" + path;
    }
  }

  /**
   * Parses {@code [registry/]path}. The first component is a registry only if it contains a dot or
   * a colon, as in Docker's rules; otherwise the repository is on Docker Hub.
   */
  public static Repository parse(String name, boolean insecure) {
    if (name.isEmpty()) {
      throw new BadNameException("a repository name must be specified");
    }
    String registry = "";
    String path = name;
    int slash = name.indexOf('/');
    if (slash >= 0) {
      String first = name.substring(0, slash);
      if (first.indexOf('.') >= 0 || first.indexOf(':') >= 0) {
        registry = first;
        path = name.substring(slash + 1);
      }
    }
    return new Repository(new Registry(registry, insecure), path);
  }

  public static Repository parse(String name) {
    return parse(name, false);
  }

  /** The fully qualified name, {@code registry/path}. */
  public String name() {
    return registry.host() + "/" + path;
  }

  public Tag tag(String tag) {
    return new Tag(this, tag, name() + ":" + tag);
  }

  @Override
  public String toString() {
    return name();
  }
}
