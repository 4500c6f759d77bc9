package dev.ko.publish;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;

/**
 * The Docker engine to talk to, from {@code DOCKER_HOST}: {@code unix://PATH} (default {@code
 * /var/run/docker.sock}) or {@code tcp://HOST[:PORT]} without TLS.
 *
 * @param uri the host as given (or the default), for messages
 * @param address where to connect
 */
public record DockerHost(String uri, SocketAddress address) {
  static final String DEFAULT = "unix:///var/run/docker.sock";

  /**
   * Checks and parses a {@code DOCKER_HOST} value; empty means the default socket.
   *
   * @param tlsVerify whether {@code DOCKER_TLS_VERIFY} is set: TLS is not supported
   * @throws IllegalArgumentException for a form ko-jvm cannot use, naming it
   */
  public static DockerHost parse(String dockerHost, boolean tlsVerify) {
    String h = dockerHost.isEmpty() ? DEFAULT : dockerHost;
    if (h.startsWith("unix://")) {
      return new DockerHost(h, UnixDomainSocketAddress.of(h.substring("unix://".length())));
    }
    if (h.startsWith("tcp://")) {
      if (tlsVerify) {
        throw new IllegalArgumentException(
            "DOCKER_HOST \""
                + h
                + "\" with DOCKER_TLS_VERIFY is not supported: "
                + "ko-jvm talks to Docker over a unix socket or plain tcp://");
      }
      URI uri = URI.create("http://" + h.substring("tcp://".length()));
      if (uri.getHost() == null) {
        throw new IllegalArgumentException(
            "invalid DOCKER_HOST \"" + h + "\": want unix:///path or tcp://host:port");
      }
      return new DockerHost(
          h, new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 2375 : uri.getPort()));
    }
    throw new IllegalArgumentException(
        "unsupported DOCKER_HOST \"" + h + "\": want unix:///path or tcp://host:port");
  }
}
