package dev.ko.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Docker registry token server, as Docker Hub, GHCR and GCR run one: {@code GET /token?service=
 * &scope=...} with optional Basic credentials answers an RS256 JWT the registry verifies with the
 * certificate it was configured with ({@code auth.token.rootcertbundle}). Known users get the
 * actions they ask for; anonymous callers get {@code pull} only (public repositories). Every
 * request and every token handed out is recorded, so tests can check scopes and scan output for
 * leaked tokens.
 */
public final class TokenServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request: who asked (empty for anonymous), for which scopes, and what it got. */
  public record Request(String user, List<String> scopes, int status, String token) {}

  private final String service;
  private final String issuer;
  private final Map<String, String> users;
  private final long expiresInSeconds;
  private final PrivateKey key;
  private final String keyId;
  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  /**
   * @param keyPem PKCS#8 PEM private key ({@code openssl req -newkey rsa:2048 -nodes} writes one)
   * @param certPem the matching certificate, which the registry trusts
   */
  public TokenServer(
      String service,
      String issuer,
      Map<String, String> users,
      long expiresInSeconds,
      Path keyPem,
      Path certPem)
      throws Exception {
    this.service = service;
    this.issuer = issuer;
    this.users = Map.copyOf(users);
    this.expiresInSeconds = expiresInSeconds;
    this.key =
        KeyFactory.getInstance("RSA")
            .generatePrivate(new PKCS8EncodedKeySpec(pemBody(keyPem, "PRIVATE KEY")));
    X509Certificate cert;
    try (var in = Files.newInputStream(certPem)) {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    this.keyId = libtrustKeyId(cert.getPublicKey().getEncoded());
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/token", this::handle);
    server.start();
  }

  /** Writes a fresh RSA key and self-signed certificate with openssl into {@code dir}. */
  public static TokenServer start(
      Path dir, String service, String issuer, Map<String, String> users, long expiresInSeconds)
      throws Exception {
    Files.createDirectories(dir);
    Path keyPem = dir.resolve("token.key");
    Path certPem = dir.resolve("token.pem");
    Proc.Result r =
        Proc.run(
            dir,
            Map.of(),
            List.of(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-sha256",
                "-days",
                "30",
                "-subj",
                "/CN=ko-testbed token issuer",
                "-keyout",
                keyPem.toString(),
                "-out",
                certPem.toString()));
    if (r.exit() != 0) {
      throw new IllegalStateException("openssl failed: " + r.stderr());
    }
    return new TokenServer(service, issuer, users, expiresInSeconds, keyPem, certPem);
  }

  public String realm() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  public String service() {
    return service;
  }

  public String issuer() {
    return issuer;
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Every token handed out so far. */
  public List<String> issuedTokens() {
    return requests.stream().map(Request::token).filter(t -> !t.isEmpty()).toList();
  }

  /** Stops answering; later token requests get "connection refused". */
  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      List<String> scopes = new ArrayList<>();
      String query = ex.getRequestURI().getRawQuery();
      if (query != null) {
        for (String kv : query.split("&", -1)) {
          int eq = kv.indexOf('=');
          String k = eq < 0 ? kv : kv.substring(0, eq);
          String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
          if (k.equals("scope")) {
            scopes.addAll(List.of(v.split(" ")));
          }
        }
      }
      String user = "";
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      if (auth != null) {
        String[] up =
            auth.startsWith("Basic ")
                ? new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8)
                    .split(":", 2)
                : new String[0];
        if (up.length != 2 || !up[1].equals(users.get(up[0]))) {
          requests.add(new Request(up.length > 0 ? up[0] : "?", scopes, 401, ""));
          send(
              ex,
              401,
              "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"invalid username or"
                  + " password\"}]}");
          return;
        }
        user = up[0];
      }
      String token = jwt(user, scopes);
      requests.add(new Request(user, scopes, 200, token));
      ObjectNode reply = JSON.createObjectNode();
      reply.put("token", token);
      reply.put("access_token", token);
      reply.put("expires_in", expiresInSeconds);
      reply.put("issued_at", Instant.now().toString());
      send(ex, 200, JSON.writeValueAsString(reply));
    } catch (Exception e) {
      send(
          ex,
          500,
          "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\""
              + e.getClass().getSimpleName()
              + "\"}]}");
    }
  }

  private String jwt(String user, List<String> scopes) throws Exception {
    ArrayNode access = JSON.createArrayNode();
    for (String scope : scopes) {
      String[] parts = scope.split(":");
      if (parts.length < 3 || !parts[0].equals("repository")) {
        continue;
      }
      String name = String.join(":", List.of(parts).subList(1, parts.length - 1));
      ObjectNode entry = access.addObject();
      entry.put("type", "repository");
      entry.put("name", name);
      ArrayNode actions = entry.putArray("actions");
      for (String action : parts[parts.length - 1].split(",", -1)) {
        if (!user.isEmpty() || action.equals("pull")) {
          actions.add(action);
        }
      }
    }
    long now = Instant.now().getEpochSecond();
    ObjectNode header =
        JSON.createObjectNode().put("typ", "JWT").put("alg", "RS256").put("kid", keyId);
    ObjectNode claims =
        JSON.createObjectNode()
            .put("iss", issuer)
            .put("sub", user)
            .put("aud", service)
            .put("exp", now + expiresInSeconds)
            .put("nbf", now - 10)
            .put("iat", now)
            .put("jti", UUID.randomUUID().toString());
    claims.set("access", access);
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        b64.encodeToString(JSON.writeValueAsBytes(header))
            + "."
            + b64.encodeToString(JSON.writeValueAsBytes(claims));
    Signature rs256 = Signature.getInstance("SHA256withRSA");
    rs256.initSign(key);
    rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + b64.encodeToString(rs256.sign());
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** libtrust's key id: base32 of the first 240 bits of sha256(SPKI DER), in 12 groups of 4. */
  static String libtrustKeyId(byte[] subjectPublicKeyInfo) throws Exception {
    byte[] hash = MessageDigest.getInstance("SHA-256").digest(subjectPublicKeyInfo);
    String b32 = base32(java.util.Arrays.copyOf(hash, 30));
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < b32.length(); i += 4) {
      if (i > 0) {
        out.append(':');
      }
      out.append(b32, i, i + 4);
    }
    return out.toString();
  }

  private static String base32(byte[] data) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    StringBuilder out = new StringBuilder();
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        out.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(alphabet.charAt((buffer << (5 - bits)) & 31));
    }
    return out.toString();
  }

  private static byte[] pemBody(Path pem, String type) throws IOException {
    String text = Files.readString(pem);
    String begin = "-----BEGIN " + type + "-----";
    int b = text.indexOf(begin);
    int e = text.indexOf("-----END " + type + "-----");
    if (b < 0 || e < 0) {
      throw new IOException(pem + " has no " + type + " block");
    }
    return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
  }
}
