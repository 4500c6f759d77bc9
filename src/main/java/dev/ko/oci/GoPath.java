package dev.ko.oci;

import java.util.ArrayDeque;
import java.util.Deque;

/** Go's {@code path} package for slash-separated names (image names, tar entry names). */
public final class GoPath {
  private GoPath() {}

  /** {@code path.Join}: joins the non-empty parts with slashes and cleans the result. */
  public static String join(String... parts) {
    StringBuilder joined = new StringBuilder();
    for (String p : parts) {
      if (p.isEmpty()) {
        continue;
      }
      if (joined.length() > 0) {
        joined.append('/');
      }
      joined.append(p);
    }
    return joined.length() == 0 ? "" : clean(joined.toString());
  }

  /**
   * {@code path.Clean}: the shortest equivalent path, without {@code .}, {@code ..} or repeated
   * slashes.
   */
  public static String clean(String path) {
    if (path.isEmpty()) {
      return ".";
    }
    boolean rooted = path.charAt(0) == '/';
    Deque<String> parts = new ArrayDeque<>();
    for (String seg : path.split("/", -1)) {
      if (seg.isEmpty() || seg.equals(".")) {
        continue;
      }
      if (seg.equals("..")) {
        if (!parts.isEmpty() && !parts.peekLast().equals("..")) {
          parts.removeLast();
        } else if (!rooted) {
          parts.addLast("..");
        }
        continue;
      }
      parts.addLast(seg);
    }
    String body = String.join("/", parts);
    if (rooted) {
      return "/" + body;
    }
    return body.isEmpty() ? "." : body;
  }

  /** {@code path.Base}: the last element. */
  public static String base(String path) {
    if (path.isEmpty()) {
      return ".";
    }
    String p = path;
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (p.equals("/")) {
      return "/";
    }
    int slash = p.lastIndexOf('/');
    return slash < 0 ? p : p.substring(slash + 1);
  }
}
