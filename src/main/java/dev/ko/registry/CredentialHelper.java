package dev.ko.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@code docker-credential-<name>} program on PATH, spoken to with Docker's credential helper
 * protocol: {@code get} reads a server URL on stdin and answers {@code {"Username", "Secret"}};
 * {@code store} reads {@code {"ServerURL", "Username", "Secret"}}. The secret never appears in an
 * error message: only the helper's exit status and the first line of what it said.
 */
public final class CredentialHelper {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final long TIMEOUT_SECONDS = 60;

  private final String program;
  private final Map<String, String> env;

  public CredentialHelper(String name, Map<String, String> env) {
    this.program = "docker-credential-" + name;
    this.env = Map.copyOf(env);
  }

  public String program() {
    return program;
  }

  /** The stored credential, or anonymous when the helper has none for this server. */
  public Credential get(String server) throws IOException {
    Reply r = run("get", server.getBytes(StandardCharsets.UTF_8));
    String output = new String(r.stdout, StandardCharsets.UTF_8).strip();
    if (r.exit != 0) {
      if (output.contains("credentials not found")) {
        return Credential.ANONYMOUS;
      }
      throw failure("get", server, r);
    }
    JsonNode reply;
    try {
      reply = MAPPER.readTree(r.stdout);
    } catch (IOException e) {
      throw new IOException("credential helper " + program + " gave output that is not JSON");
    }
    if (reply == null || !reply.isObject()) {
      throw new IOException("credential helper " + program + " gave output that is not a JSON object");
    }
    String username = text(reply.get("Username"));
    String secret = text(reply.get("Secret"));
    if (username.equals("<token>")) {
      return new Credential("", "", secret, "");
    }
    return Credential.basic(username, secret);
  }

  /** Hands a username and password to the helper to keep. */
  public void store(String server, String username, String secret) throws IOException {
    ObjectNode request = MAPPER.createObjectNode();
    request.put("ServerURL", server);
    request.put("Username", username);
    request.put("Secret", secret);
    Reply r = run("store", MAPPER.writeValueAsBytes(request));
    if (r.exit != 0) {
      throw failure("store", server, r);
    }
  }

  private IOException failure(String action, String server, Reply r) {
    String out = new String(r.stdout, StandardCharsets.UTF_8).strip();
    String why = out.isEmpty() ? new String(r.stderr, StandardCharsets.UTF_8).strip() : out;
    return new IOException("credential helper " + program + " " + action + " failed for " + server + ": exit status "
        + r.exit + (why.isEmpty() ? "" : ": " + firstLine(why)));
  }

  private record Reply(int exit, byte[] stdout, byte[] stderr) {}

  private Reply run(String action, byte[] input) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(onPath(program, env), action);
    pb.environment().clear();
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new IOException("credential helper " + program + " could not be started: " + e.getMessage(), e);
    }
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    try (OutputStream in = p.getOutputStream()) {
      in.write(input);
    } catch (IOException e) {
      // the helper may exit without reading its input; its exit status tells what happened
    }
    byte[] out = readAll(p.getInputStream());
    try {
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("credential helper " + program + " did not answer within " + TIMEOUT_SECONDS + " s");
      }
      return new Reply(p.exitValue(), out, err.join());
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for " + program, e);
    }
  }

  /**
   * The program as found on the PATH of {@code env}. The JDK would search the JVM's own PATH,
   * which is not the environment ko was given.
   */
  static String onPath(String program, Map<String, String> env) {
    for (String dir : env.getOrDefault("PATH", "").split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return program;
  }

  private static byte[] readAll(InputStream in) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (in) {
      in.transferTo(b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static String text(JsonNode node) {
    return node == null || !node.isTextual() ? "" : node.textValue();
  }
}
