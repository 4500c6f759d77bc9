package dev.ko.name;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * A registry host, optionally with a port. {@code docker.io} and the empty string become Docker
 * Hub's canonical {@code index.docker.io}.
 *
 * @param host host[:port] as it appears in references
 * @param insecure allow plain HTTP and unverified TLS for this registry ({@code
 *     --insecure-registry})
 */
public record Registry(String host, boolean insecure) {
  public static final String DOCKER_HUB = "index.docker.io";

  // go-containerregistry's rules: mDNS ".local" counts as local too, and the loopback addresses
  // match anywhere in the name (its patterns are unanchored).
  private static final Pattern LOCAL = Pattern.compile(".*\\.local(?:host)?(?::\\d{1,5})?$");

  public Registry {
    if (!isValidAuthority(host)) {
      throw new BadNameException("registries must be valid RFC 3986 URI authorities: " + host);
    }
    if (host.isEmpty() || host.equals("docker.io")) {
      host = DOCKER_HUB;
    }
  }

  public static Registry parse(String host) {
    return new Registry(host, false);
  }

  /** The scheme ko uses: HTTP for insecure, loopback, {@code *.localhost} and RFC 1918 hosts. */
  public String scheme() {
    if (insecure || isPrivateNetwork()) {
      return "http";
    }
    if (host.equals("localhost") || host.startsWith("localhost:")) {
      return "http";
    }
    if (LOCAL.matcher(host).matches() || host.contains("127.0.0.1") || host.contains("::1")) {
      return "http";
    }
    return "https";
  }

  public boolean isDockerHub() {
    return host.equals(DOCKER_HUB);
  }

  @Override
  public String toString() {
    return host;
  }

  private boolean isPrivateNetwork() {
    String ip = host.split(":", 2)[0];
    // Every piece counts: "10.0.0.1." is not an address (split without -1 dropped the empty one).
    String[] octets = ip.split("\\.", -1);
    if (octets.length != 4) {
      return false;
    }
    int[] v = new int[4];
    for (int i = 0; i < 4; i++) {
      // Go's net.ParseIP takes no leading zeros
      if (!octets[i].matches("0|[1-9]\\d{0,2}")) {
        return false;
      }
      v[i] = Integer.parseInt(octets[i]);
      if (v[i] > 255) {
        return false;
      }
    }
    return v[0] == 10 || (v[0] == 172 && v[1] >= 16 && v[1] <= 31) || (v[0] == 192 && v[1] == 168);
  }

  /**
   * Go's url.Parse: whatever follows the last colon (after any [IPv6] literal) is a numeric port.
   */
  private static boolean hasValidOptionalPort(String host) {
    String rest = host;
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      if (close < 0) {
        return false;
      }
      rest = host.substring(close + 1);
      if (!rest.isEmpty() && !rest.startsWith(":")) {
        return false;
      }
    }
    int colon = rest.lastIndexOf(':');
    return colon < 0 || rest.substring(colon + 1).chars().allMatch(c -> c >= '0' && c <= '9');
  }

  private static boolean isValidAuthority(String host) {
    if (host.isEmpty()) {
      return true;
    }
    if (!hasValidOptionalPort(host)) {
      return false;
    }
    try {
      URI uri = new URI("http://" + host);
      return host.equals(uri.getRawAuthority())
          && uri.getRawPath().isEmpty()
          && uri.getRawQuery() == null
          && uri.getRawFragment() == null
          && uri.getRawUserInfo() == null;
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
