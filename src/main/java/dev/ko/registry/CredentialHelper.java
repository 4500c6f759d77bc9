package dev.ko.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ko.oci.GoJson;
import dev.ko.process.ExternalCommand;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A {@code docker-credential-<name>} program on PATH, spoken to with Docker's credential helper
 * protocol: {@code get} reads a server URL on stdin and answers {@code {"Username", "Secret"}};
 * {@code store} reads {@code {"ServerURL", "Username", "Secret"}}. The secret never appears in an
 * error message: only the helper's exit status and the first line of what it said.
 */
public final class CredentialHelper {
  private static final long TIMEOUT_SECONDS = 60;

  private final String program;
  private final Map<String, String> env;
  private final Path directory;

  /**
   * @param env the environment the helper runs with
   * @param directory where it runs: the invocation's working directory, as with a fresh ko
   */
  public CredentialHelper(String name, Map<String, String> env, Path directory) {
    this.program = "docker-credential-" + name;
    this.env = Map.copyOf(env);
    this.directory = directory;
  }

  /** The stored credential, or anonymous when the helper has none for this server. */
  public Credential get(String server) throws IOException {
    ExternalCommand.Result r = run("get", server.getBytes(StandardCharsets.UTF_8));
    String output = r.stdoutText().strip();
    if (r.exit() != 0) {
      if (output.contains("credentials not found")) {
        return Credential.ANONYMOUS;
      }
      throw failure("get", server, r);
    }
    JsonNode reply;
    try {
      reply = GoJson.mapper().readTree(r.stdout());
    } catch (IOException e) {
      throw new IOException("credential helper " + program + " gave output that is not JSON");
    }
    if (reply == null || !reply.isObject()) {
      throw new IOException(
          "credential helper " + program + " gave output that is not a JSON object");
    }
    String username = DockerConfig.text(reply.get("Username"));
    String secret = DockerConfig.text(reply.get("Secret"));
    if (username.equals("<token>")) {
      return new Credential("", "", secret, "");
    }
    return Credential.basic(username, secret);
  }

  /** Hands a username and password to the helper to keep. */
  public void store(String server, String username, String secret) throws IOException {
    ObjectNode request = GoJson.mapper().createObjectNode();
    request.put("ServerURL", server);
    request.put("Username", username);
    request.put("Secret", secret);
    ExternalCommand.Result r = run("store", GoJson.mapper().writeValueAsBytes(request));
    if (r.exit() != 0) {
      throw failure("store", server, r);
    }
  }

  private IOException failure(String action, String server, ExternalCommand.Result r) {
    String out = r.stdoutText().strip();
    String why = out.isEmpty() ? r.stderr().strip() : out;
    return new IOException(
        "credential helper "
            + program
            + " "
            + action
            + " failed for "
            + server
            + ": exit status "
            + r.exit()
            + (why.isEmpty() ? "" : ": " + firstLine(why)));
  }

  private ExternalCommand.Result run(String action, byte[] input) throws IOException {
    try {
      return new ExternalCommand(program, env)
          .in(directory)
          .timeout(Duration.ofSeconds(TIMEOUT_SECONDS))
          .run(List.of(action), stdin -> stdin.write(input));
    } catch (InterruptedIOException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("credential helper " + program + ": " + e.getMessage(), e);
    }
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
