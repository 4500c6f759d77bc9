package dev.ko.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ko.oci.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An in-memory registry for referrers protocol edge cases: blobs, manifests by tag and digest, and,
 * when {@link #referrersApi} is on, the OCI 1.1 referrers API ({@code OCI-Subject} on the PUT of a
 * manifest with a {@code subject}, {@code GET /v2/<name>/referrers/<digest>} listing them with
 * their artifactType and annotations); without it the referrers endpoint is a 404, as on
 * distribution 2.8. Every request line is recorded.
 */
final class ReferrersStub implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern MANIFEST = Pattern.compile("/v2/(.+)/manifests/([^/]+)");
  private static final Pattern REFERRERS = Pattern.compile("/v2/(.+)/referrers/([^/]+)");
  private static final Pattern BLOB = Pattern.compile("/v2/(.+)/blobs/(sha256:[0-9a-f]{64})");

  /** A stored manifest. */
  @SuppressWarnings("ArrayRecordComponent") // the stub's own copy
  record Stored(String mediaType, byte[] bytes) {
    String digest() {
      return Digest.of(bytes).toString();
    }

    JsonNode json() {
      try {
        return JSON.readTree(bytes);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private volatile boolean referrersApi;
  private final HttpServer server;
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  private final Map<String, Stored> manifests = new ConcurrentHashMap<>();
  private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

  ReferrersStub() throws IOException {
    server =
        HttpServer.create(
            new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
    server.createContext("/", this::answer);
    server.start();
  }

  /** Whether the stub has the referrers API from now on. */
  void referrersApi(boolean on) {
    referrersApi = on;
  }

  String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  /** The manifest under {@code repo:reference} (a tag or digest), or null. */
  Stored manifest(String repo, String reference) {
    return manifests.get(repo + "@" + reference);
  }

  /** Stores a manifest as a client's PUT would (without the referrers API's bookkeeping). */
  void put(String repo, String reference, String mediaType, byte[] bytes) {
    Stored s = new Stored(mediaType, bytes);
    manifests.put(repo + "@" + reference, s);
    manifests.put(repo + "@" + s.digest(), s);
  }

  private void answer(HttpExchange x) throws IOException {
    try (x) {
      byte[] body = x.getRequestBody().readAllBytes();
      String method = x.getRequestMethod();
      String path = x.getRequestURI().getPath();
      String query = x.getRequestURI().getRawQuery();
      lines.add(method + " " + path);
      Matcher blob = BLOB.matcher(path);
      Matcher manifest = MANIFEST.matcher(path);
      Matcher referrers = REFERRERS.matcher(path);
      if (path.equals("/v2/")) {
        send(x, 200, null, new byte[0]);
      } else if (blob.matches()) {
        byte[] bytes = blobs.get(blob.group(1) + "@" + blob.group(2));
        send(x, bytes == null ? 404 : 200, null, bytes == null ? new byte[0] : bytes);
      } else if (method.equals("POST") && path.endsWith("/blobs/uploads/")) {
        x.getResponseHeaders().add("Location", path + "u" + lines.size());
        send(x, 202, null, new byte[0]);
      } else if (method.equals("PUT") && path.contains("/blobs/uploads/")) {
        String repo = path.substring("/v2/".length(), path.indexOf("/blobs/uploads/"));
        String digest = query.replaceFirst(".*digest=", "").replace("%3A", ":");
        if (!Digest.of(body).toString().equals(digest)) {
          send(x, 400, null, new byte[0]);
          return;
        }
        blobs.put(repo + "@" + digest, body);
        send(x, 201, null, new byte[0]);
      } else if (manifest.matches()) {
        manifest(x, method, manifest.group(1), manifest.group(2), body);
      } else if (referrers.matches() && referrersApi) {
        byte[] index = referrers(referrers.group(1), referrers.group(2));
        send(x, 200, "application/vnd.oci.image.index.v1+json", index);
      } else {
        send(x, 404, null, new byte[0]);
      }
    }
  }

  private void manifest(HttpExchange x, String method, String repo, String ref, byte[] body)
      throws IOException {
    if (method.equals("PUT")) {
      String type = x.getRequestHeaders().getFirst("Content-Type");
      JsonNode doc = JSON.readTree(body);
      for (JsonNode layer : doc.path("layers")) {
        if (!blobs.containsKey(repo + "@" + layer.path("digest").asText())) {
          send(x, 400, null, "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}".getBytes(UTF8));
          return;
        }
      }
      put(repo, ref, type, body);
      String subject = doc.path("subject").path("digest").asText("");
      if (referrersApi && !subject.isEmpty()) {
        x.getResponseHeaders().add("OCI-Subject", subject);
      }
      x.getResponseHeaders().add("Docker-Content-Digest", Digest.of(body).toString());
      send(x, 201, null, new byte[0]);
      return;
    }
    Stored s = manifest(repo, ref);
    if (s == null) {
      send(x, 404, null, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}".getBytes(UTF8));
      return;
    }
    x.getResponseHeaders().add("Docker-Content-Digest", s.digest());
    send(x, 200, s.mediaType(), s.bytes());
  }

  /**
   * The referrers API's answer: every manifest of the repository whose subject is {@code digest}.
   */
  byte[] referrers(String repo, String digest) {
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", "application/vnd.oci.image.index.v1+json");
    ArrayNode list = index.putArray("manifests");
    manifests.entrySet().stream()
        .filter(e -> e.getKey().equals(repo + "@" + e.getValue().digest()))
        .map(Map.Entry::getValue)
        .filter(s -> s.json().path("subject").path("digest").asText("").equals(digest))
        .sorted((a, b) -> a.digest().compareTo(b.digest()))
        .forEach(
            s -> {
              JsonNode doc = s.json();
              ObjectNode d = list.addObject();
              d.put("mediaType", s.mediaType());
              d.put("size", s.bytes().length);
              d.put("digest", s.digest());
              String type = doc.path("artifactType").asText("");
              d.put(
                  "artifactType",
                  type.isEmpty() ? doc.path("config").path("mediaType").asText() : type);
              if (doc.has("annotations")) {
                d.set("annotations", doc.get("annotations"));
              }
            });
    try {
      return JSON.writeValueAsBytes(index);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

  private static void send(HttpExchange x, int status, String type, byte[] body)
      throws IOException {
    if (type != null) {
      x.getResponseHeaders().add("Content-Type", type);
    }
    boolean noBody = x.getRequestMethod().equals("HEAD") || body.length == 0;
    if (x.getRequestMethod().equals("HEAD") && body.length > 0) {
      x.getResponseHeaders().add("Content-Length", Integer.toString(body.length));
    }
    x.sendResponseHeaders(status, noBody ? -1 : body.length);
    if (!noBody) {
      try (OutputStream out = x.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
