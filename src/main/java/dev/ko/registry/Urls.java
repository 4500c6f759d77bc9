package dev.ko.registry;

import dev.ko.name.Registry;
import java.net.URI;

/**
 * Which URLs belong to a registry, and how a URL may be shown: the one place that tells the
 * registry's own requests (credentials, whole URLs in messages) from those to storage or token
 * servers (no credentials, no query in messages).
 */
final class Urls {
  private Urls() {}

  /**
   * Whether a request goes to the registry itself: the same host and port, over the scheme the ping
   * chose. Only such requests carry credentials.
   */
  static boolean sameOrigin(String scheme, String registryHost, URI uri) {
    return scheme.equalsIgnoreCase(uri.getScheme()) && sameAuthority(registryHost, uri);
  }

  /**
   * Whether {@code uri} names the registry's host and port (a missing port is the scheme's
   * default).
   */
  static boolean sameAuthority(String registryHost, URI uri) {
    if (uri.getRawAuthority() == null || uri.getScheme() == null) {
      return false;
    }
    if (uri.getRawAuthority().equalsIgnoreCase(registryHost)) {
      return true;
    }
    URI base = URI.create(uri.getScheme() + "://" + registryHost);
    return host(base).equalsIgnoreCase(host(uri)) && port(base) == port(uri);
  }

  /** The host of a URL, also for names {@link URI#getHost} rejects (with underscores, say). */
  static String host(URI uri) {
    if (uri.getHost() != null) {
      return uri.getHost();
    }
    String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
    authority = authority.substring(authority.lastIndexOf('@') + 1);
    int colon = authority.lastIndexOf(':');
    return colon > authority.lastIndexOf(']') ? authority.substring(0, colon) : authority;
  }

  /** The port of a URL, the scheme's default when it names none. */
  static int port(URI uri) {
    if (uri.getPort() >= 0) {
      return uri.getPort();
    }
    String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
    int colon = authority.lastIndexOf(':');
    if (uri.getHost() == null && colon > authority.lastIndexOf(']')) {
      try {
        return Integer.parseInt(authority.substring(colon + 1));
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  /**
   * A URL as it may be printed: whole for the registry's own, else without user info, query and
   * fragment, where storage services put signatures (X-Amz-Signature, sig=, X-Goog-Signature).
   */
  static String shown(Registry registry, URI uri) {
    return sameAuthority(registry.host(), uri) ? uri.toString() : stripQuery(uri).toString();
  }

  /** The URL without user info, query and fragment. */
  static URI stripQuery(URI uri) {
    String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
    authority = authority.substring(authority.lastIndexOf('@') + 1);
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    return URI.create(uri.getScheme() + "://" + authority + path);
  }
}
