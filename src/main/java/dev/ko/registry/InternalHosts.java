package dev.ko.registry;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Tells hosts on this machine or on a private network from public ones. A registry on the internet
 * must not be able to send us, by a {@code Location} header, to the machine's own services or a
 * cloud metadata endpoint (server-side request forgery), as go-containerregistry guards against
 * too; a registry that is itself on such a network may.
 */
final class InternalHosts {
  /** Name resolution; tests replace it to make a loopback stub look public. */
  @FunctionalInterface
  interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  static final Resolver DNS = InetAddress::getAllByName;

  private final Resolver resolver;

  InternalHosts(Resolver resolver) {
    this.resolver = resolver;
  }

  /**
   * Whether {@code host} (a name or an IP literal, IPv6 in brackets or not) is, or resolves to, a
   * loopback, link-local, private or unspecified address. A name that does not resolve is not
   * internal: the request to it fails on its own.
   */
  boolean isInternal(String host) {
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(host);
    } catch (UnknownHostException e) {
      return false;
    }
    for (InetAddress a : addresses) {
      if (isInternal(a)) {
        return true;
      }
    }
    return false;
  }

  static boolean isInternal(InetAddress a) {
    if (a.isLoopbackAddress()
        || a.isLinkLocalAddress()
        || a.isSiteLocalAddress()
        || a.isAnyLocalAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      return b[0] == 0; // "this network": 0.0.0.0/8 reaches the machine itself
    }
    // Unique local addresses fc00::/7, IPv6's private networks (isSiteLocalAddress knows only
    // fec0::/10).
    return a instanceof Inet6Address && (b[0] & 0xfe) == 0xfc;
  }
}
