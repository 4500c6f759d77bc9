package dev.ko.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.oci.DockerArchive;
import dev.ko.oci.Image;
import dev.ko.publish.SocketHttpClient.Response;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The parts of the Docker Engine API that {@code ko.local} needs ({@code POST /images/load}, {@code
 * POST /images/{name}/tag}), over the socket {@code DOCKER_HOST} names: {@code unix://PATH}
 * (default {@code /var/run/docker.sock}) or {@code tcp://HOST:PORT} without TLS. Podman's
 * Docker-compatible service answers the same calls. One connection per call, HTTP/1.1 through
 * {@link SocketHttpClient}, the request body streamed in chunks. Connecting and every read and
 * write have time limits, so a hung daemon makes ko fail instead of waiting forever.
 */
public final class DockerEngine implements LocalPublisher.Store {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** A local daemon answers a connection at once; this long means it is stuck. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

  /**
   * The longest silence while sending or waiting for an answer. Loading a large image makes the
   * daemon unpack it before it answers, so this is generous.
   */
  static final Duration IO_TIMEOUT = Duration.ofMinutes(5);

  private final String host;
  private final SocketHttpClient http;

  private DockerEngine(String host, SocketHttpClient http) {
    this.host = host;
    this.http = http;
  }

  private DockerEngine(String host, SocketAddress address) {
    this(
        host,
        new SocketHttpClient(address, "docker", "the Docker daemon", CONNECT_TIMEOUT, IO_TIMEOUT));
  }

  /** The same engine with other time limits. */
  DockerEngine withTimeouts(Duration connect, Duration io) {
    return new DockerEngine(host, http.withTimeouts(connect, io));
  }

  /** The engine {@code DOCKER_HOST} names; an unsupported form is an error naming it. */
  public static DockerEngine fromDockerHost(String dockerHost, boolean tlsVerify) {
    return of(DockerHost.parse(dockerHost, tlsVerify));
  }

  /** The engine at a checked host. */
  public static DockerEngine of(DockerHost host) {
    return new DockerEngine(host.uri(), host.address());
  }

  /** Writes a request body. */
  @FunctionalInterface
  public interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  /** {@code docker load} of a {@code docker save} archive. */
  public void load(Body archive) throws IOException {
    Response r = call("POST", "/images/load?quiet=1", archive);
    if (r.status() != 200) {
      throw new IOException("loading image into " + host + ": " + error(r));
    }
    // The engine reports load errors inside a 200 reply, as a JSON message stream.
    for (String line : r.text().lines().toList()) {
      if (line.isBlank()) {
        continue;
      }
      try {
        JsonNode n = MAPPER.readTree(line);
        if (n.hasNonNull("error")) {
          throw new IOException("loading image into " + host + ": " + n.get("error").asText());
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        // not a JSON message: nothing to check
      }
    }
  }

  /** {@code docker load} of one image, named {@code reference}. */
  @Override
  public void load(Image image, String reference) throws IOException {
    load(
        out -> {
          BufferedOutputStream buffered = new BufferedOutputStream(out, 1 << 16);
          DockerArchive.write(
              List.of(new DockerArchive.Entry(image, List.of(reference))), buffered);
          buffered.flush();
        });
  }

  /** {@code docker tag SOURCE REPOSITORY:TAG}. */
  @Override
  public void tag(String source, String repository, String tag) throws IOException {
    String path = "/images/" + source + "/tag?repo=" + encode(repository) + "&tag=" + encode(tag);
    Response r = call("POST", path, null);
    if (r.status() != 201 && r.status() != 200) {
      throw new IOException(
          "tagging " + source + " as " + repository + ":" + tag + " in " + host + ": " + error(r));
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** The engine's own message when its answer carries one, else the status and first line. */
  private static String error(Response r) {
    try {
      JsonNode n = MAPPER.readTree(r.body());
      if (n != null && n.hasNonNull("message")) {
        return n.get("message").asText() + " (status " + r.status() + ")";
      }
    } catch (IOException e) {
      // not JSON
    }
    String t = r.text().strip();
    int nl = t.indexOf('\n');
    return "status " + r.status() + (t.isEmpty() ? "" : ": " + (nl < 0 ? t : t.substring(0, nl)));
  }

  private Response call(String method, String path, Body body) throws IOException {
    SocketHttpClient.Connection connection;
    try {
      connection = http.connect();
    } catch (SocketTimeoutException e) {
      throw new IOException(
          "cannot connect to the Docker daemon at "
              + host
              + ": no answer within "
              + describe(http.connectTimeout())
              + " (is the daemon hung? set DOCKER_HOST to use another)",
          e);
    } catch (IOException e) {
      throw new IOException(
          "cannot connect to the Docker daemon at "
              + host
              + ": "
              + reason(e)
              + " (is the daemon running? set DOCKER_HOST to use another)",
          e);
    }
    try (connection) {
      return connection.exchange(
          method, path, "application/x-tar", body == null ? null : body::writeTo);
    } catch (SocketTimeoutException e) {
      throw new IOException(
          "the Docker daemon at "
              + host
              + " stopped responding: nothing sent or received for "
              + describe(http.ioTimeout()),
          e);
    }
  }

  private static String describe(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static String reason(IOException e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
