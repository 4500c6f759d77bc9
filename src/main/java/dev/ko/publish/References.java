package dev.ko.publish;

import dev.ko.oci.Digest;
import java.util.List;

/** How ko spells the reference it returns for a registry-like destination (section D.3). */
final class References {
  static final String LATEST = "latest";

  private References() {}

  /**
   * {@code name@digest}; {@code name:tag@digest} for exactly one tag that is not {@code latest}
   * (treated as a release).
   */
  static String withDigest(String name, List<String> tags, Digest digest) {
    if (tags.size() == 1 && !tags.get(0).equals(LATEST)) {
      return name + ":" + tags.get(0) + "@" + digest;
    }
    return name + "@" + digest;
  }

  /**
   * The repository part of a reference string: without {@code @digest} and without {@code :tag}.
   */
  static String repositoryOf(String reference) {
    int at = reference.indexOf('@');
    String s = at < 0 ? reference : reference.substring(0, at);
    int colon = s.lastIndexOf(':');
    return colon > s.lastIndexOf('/') ? s.substring(0, colon) : s;
  }
}
