package dev.ko.name;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * A registry host, optionally with a port. {@code docker.io} and the empty string become Docker
 * Hub's canonical {@code index.docker.io}.
 *
 * @param host host[:port] as it appears in references
 * @param insecure allow plain HTTP (and, for pushes, unverified TLS) for this registry
 */
public record Registry(String host, boolean insecure) {
  public static final String DOCKER_HUB = "index.docker.io";

  private static final Pattern LOCAL = Pattern.compile(".*\\.localhost(?::\\d{1,5})?$");
  private static final Pattern LOOPBACK = Pattern.compile("^127\\.0\\.0\\.1(?::\\d{1,5})?$");
  private static final Pattern IPV6_LOOPBACK = Pattern.compile("^(::1|\\[::1\\](?::\\d{1,5})?)$");

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

  public Registry withInsecure(boolean value) {
    return new Registry(host, value);
  }

  /** The scheme ko uses: HTTP for insecure, loopback, {@code *.localhost} and RFC 1918 hosts. */
  public String scheme() {
    if (insecure || isPrivateNetwork()) {
      return "http";
    }
    if (host.equals("localhost") || host.startsWith("localhost:")) {
      return "http";
    }
    if (LOCAL.matcher(host).matches()
        || LOOPBACK.matcher(host).matches()
        || IPV6_LOOPBACK.matcher(host).matches()) {
      return "http";
    }
    return "https";
  }

  public boolean isDockerHub() {
    return host.equals(DOCKER_HUB);
  }

  public URI baseUri() {
    return URI.create(scheme() + "://" + host);
  }

  @Override
  public String toString() {
    return host;
  }

  private boolean isPrivateNetwork() {
    String ip = host.split(":", 2)[0];
    String[] octets = ip.split("\\.");
    if (octets.length != 4) {
      return false;
    }
    int[] v = new int[4];
    for (int i = 0; i < 4; i++) {
      if (!octets[i].matches("\\d{1,3}")) {
        return false;
      }
      v[i] = Integer.parseInt(octets[i]);
      if (v[i] > 255) {
        return false;
      }
    }
    return v[0] == 10 || (v[0] == 172 && v[1] >= 16 && v[1] <= 31) || (v[0] == 192 && v[1] == 168);
  }

  private static boolean isValidAuthority(String host) {
    if (host.isEmpty()) {
      return true;
    }
    try {
      URI uri = new URI("http://" + host);
      return host.equals(uri.getRawAuthority()) && uri.getRawPath().isEmpty() && uri.getRawQuery() == null
          && uri.getRawFragment() == null && uri.getRawUserInfo() == null;
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
