package dev.ko.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of a Kubernetes API server for the real {@code kubectl apply/create --validate=false}
 * to create objects: version, legacy discovery for core/v1 and apps/v1, and GET/POST of namespaced
 * objects. Objects that arrive are kept, so tests can look at what kubectl sent.
 */
public final class FakeKubeApi implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern OBJECTS =
      Pattern.compile("/(?:api/v1|apis/apps/v1)/namespaces/([^/]+)/([^/]+)(?:/([^/]+))?");
  private static final Map<String, String> KINDS =
      Map.of(
          "configmaps",
          "ConfigMap",
          "pods",
          "Pod",
          "services",
          "Service",
          "deployments",
          "Deployment");

  private final HttpServer server;
  private final Map<String, JsonNode> objects = new ConcurrentHashMap<>();
  private final List<String> requests = new ArrayList<>();

  private FakeKubeApi(HttpServer server) {
    this.server = server;
  }

  public static FakeKubeApi start() throws IOException {
    HttpServer server =
        HttpServer.create(
            new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
    FakeKubeApi api = new FakeKubeApi(server);
    server.createContext("/", api::handle);
    server.start();
    return api;
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** A kubeconfig for this server (namespace {@code default}) written to {@code file}. */
  public Path kubeconfig(Path file) throws IOException {
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake
          cluster: {server: "%s"}
        users:
        - name: tester
          user: {token: not-a-secret}
        contexts:
        - name: fake
          context: {cluster: fake, user: tester, namespace: default}
        current-context: fake
        """
            .formatted(url()));
    return file;
  }

  /** Objects created, keyed {@code namespace/resource/name}. */
  public Map<String, JsonNode> objects() {
    return Map.copyOf(objects);
  }

  public synchronized List<String> requests() {
    return List.copyOf(requests);
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String method = ex.getRequestMethod();
    byte[] body = ex.getRequestBody().readAllBytes();
    synchronized (this) {
      requests.add(method + " " + path);
    }
    try (ex) {
      switch (path) {
        case "/version" ->
            reply(
                ex,
                200,
                """
                {"major":"1","minor":"32","gitVersion":"v1.32.0","platform":"linux/amd64"}\
                """);
        case "/api" ->
            reply(
                ex,
                200,
                """
                {"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"%s"}]}\
                """
                    .formatted(url().substring("http://".length())));
        case "/apis" ->
            reply(
                ex,
                200,
                """
                {"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],
                 "preferredVersion":{"groupVersion":"apps/v1","version":"v1"}}]}\
                """);
        case "/api/v1" -> reply(ex, 200, resources("v1", "configmaps", "pods", "services"));
        case "/apis/apps/v1" -> reply(ex, 200, resources("apps/v1", "deployments"));
        default -> object(ex, method, path, body);
      }
    }
  }

  private void object(HttpExchange ex, String method, String path, byte[] body) throws IOException {
    Matcher m = OBJECTS.matcher(path);
    if (!m.matches() || !KINDS.containsKey(m.group(2))) {
      reply(ex, 404, status(404, "NotFound", "no such path " + path));
      return;
    }
    String namespace = m.group(1);
    String resource = m.group(2);
    if (method.equals("GET") && m.group(3) != null) {
      JsonNode o = objects.get(namespace + "/" + resource + "/" + m.group(3));
      reply(
          ex,
          o == null ? 404 : 200,
          o == null
              ? status(404, "NotFound", resource + " \"" + m.group(3) + "\" not found")
              : JSON.writeValueAsString(o));
      return;
    }
    if (method.equals("POST") && m.group(3) == null) {
      ObjectNode o = (ObjectNode) JSON.readTree(body);
      ObjectNode metadata = (ObjectNode) o.get("metadata");
      String name = metadata.get("name").asText();
      String key = namespace + "/" + resource + "/" + name;
      if (objects.containsKey(key)) {
        reply(ex, 409, status(409, "AlreadyExists", resource + " \"" + name + "\" already exists"));
        return;
      }
      metadata.put("namespace", namespace);
      metadata.put("uid", "00000000-0000-0000-0000-" + String.format("%012d", objects.size() + 1));
      metadata.put("resourceVersion", "1");
      metadata.put("creationTimestamp", "2024-01-01T00:00:00Z");
      objects.put(key, o);
      reply(ex, 201, JSON.writeValueAsString(o));
      return;
    }
    reply(
        ex,
        405,
        status(
            405,
            "MethodNotAllowed",
            method + " " + path + " is not supported by this test server"));
  }

  private static String resources(String groupVersion, String... names) {
    StringBuilder b =
        new StringBuilder(
            "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\""
                + groupVersion
                + "\",\"resources\":[");
    for (int i = 0; i < names.length; i++) {
      b.append(i == 0 ? "" : ",")
          .append("{\"name\":\"")
          .append(names[i])
          .append("\",\"singularName\":\"\",")
          .append("\"namespaced\":true,\"kind\":\"")
          .append(KINDS.get(names[i]))
          .append(
              "\",\"verbs\":[\"create\",\"delete\",\"get\",\"list\",\"patch\",\"update\",\"watch\"]}");
    }
    return b.append("]}").toString();
  }

  private static String status(int code, String reason, String message) {
    return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\""
        + message.replace("\"", "\\\"")
        + "\",\"reason\":\""
        + reason
        + "\",\"code\":"
        + code
        + "}";
  }

  private static void reply(HttpExchange ex, int code, String json) throws IOException {
    byte[] out = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(code, out.length);
    ex.getResponseBody().write(out);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
