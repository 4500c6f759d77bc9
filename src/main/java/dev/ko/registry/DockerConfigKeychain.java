package dev.ko.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.name.Registry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Credentials the way Docker tooling finds them: Docker's {@code config.json} ({@code
 * $DOCKER_CONFIG} or {@code ~/.docker}) with {@code credHelpers}, {@code credsStore} and {@code
 * auths}; failing that, podman's {@code auth.json} ({@code $REGISTRY_AUTH_FILE}, {@code
 * $XDG_RUNTIME_DIR/containers}, {@code $XDG_CONFIG_HOME/containers}).
 */
public final class DockerConfigKeychain implements Keychain {
  /** The key Docker uses for Docker Hub. */
  public static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Map<String, String> env;
  private final Path home;

  public DockerConfigKeychain(Map<String, String> env, Path home) {
    this.env = Map.copyOf(env);
    this.home = home;
  }

  /** The Docker config file location ({@code ko login} writes here). */
  public static Path dockerConfigFile(Map<String, String> env, Path home) {
    String dir = env.getOrDefault("DOCKER_CONFIG", "");
    return dir.isEmpty() ? home.resolve(".docker").resolve("config.json") : Path.of(dir, "config.json");
  }

  /** The first existing file, in the order ko's default keychain reads them. */
  Optional<Path> configFile() {
    List<Path> candidates = new ArrayList<>();
    candidates.add(dockerConfigFile(env, home));
    String authFile = env.getOrDefault("REGISTRY_AUTH_FILE", "");
    if (!authFile.isEmpty()) {
      candidates.add(Path.of(authFile));
    }
    String runtime = env.getOrDefault("XDG_RUNTIME_DIR", "");
    if (!runtime.isEmpty()) {
      candidates.add(Path.of(runtime, "containers", "auth.json"));
    }
    String configHome = env.getOrDefault("XDG_CONFIG_HOME", "");
    Path xdgConfig = configHome.isEmpty() ? home.resolve(".config") : Path.of(configHome);
    candidates.add(xdgConfig.resolve("containers").resolve("auth.json"));
    return candidates.stream().filter(Files::isRegularFile).findFirst();
  }

  @Override
  public Credential resolve(Registry registry) throws IOException {
    Optional<Path> file = configFile();
    if (file.isEmpty()) {
      return Credential.ANONYMOUS;
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(file.get().toFile());
    } catch (IOException e) {
      throw new IOException("reading credentials from " + file.get() + ": " + jsonProblem(e));
    }
    if (root == null || !root.isObject()) {
      return Credential.ANONYMOUS;
    }
    String key = registry.isDockerHub() ? DOCKER_HUB_KEY : registry.host();
    String helper = text(root.path("credHelpers").get(key));
    if (helper.isEmpty()) {
      helper = text(root.get("credsStore"));
    }
    if (!helper.isEmpty()) {
      return new CredentialHelper(helper, env).get(key);
    }
    JsonNode entry = findAuth(root.path("auths"), registry);
    return entry == null ? Credential.ANONYMOUS : fromAuthEntry(entry, file.get());
  }

  private static JsonNode findAuth(JsonNode auths, Registry registry) {
    if (!auths.isObject()) {
      return null;
    }
    String wanted = registry.host();
    for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String host = hostOf(e.getKey());
      if (host.equals(wanted) || (registry.isDockerHub() && isDockerHubAlias(host))) {
        return e.getValue();
      }
    }
    return null;
  }

  private static boolean isDockerHubAlias(String host) {
    return host.equals("index.docker.io") || host.equals("docker.io") || host.equals("registry-1.docker.io");
  }

  /** Docker's ConvertToHostname: drop the scheme and any path. */
  static String hostOf(String key) {
    String s = key;
    if (s.startsWith("http://")) {
      s = s.substring(7);
    } else if (s.startsWith("https://")) {
      s = s.substring(8);
    }
    int slash = s.indexOf('/');
    return slash < 0 ? s : s.substring(0, slash);
  }

  private static Credential fromAuthEntry(JsonNode entry, Path file) throws IOException {
    String username = text(entry.get("username"));
    String password = text(entry.get("password"));
    String auth = text(entry.get("auth"));
    if (!auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new IOException("reading credentials from " + file + ": an \"auth\" value is not base64");
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new IOException("reading credentials from " + file + ": an \"auth\" value is not user:password");
      }
      username = decoded.substring(0, colon);
      password = decoded.substring(colon + 1);
    }
    return new Credential(username, password, text(entry.get("identitytoken")), text(entry.get("registrytoken")));
  }

  /**
   * Where a credentials file is broken, without the parser's message: it quotes the offending
   * text, which may be a secret.
   */
  static String jsonProblem(IOException e) {
    if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null) {
      return "not valid JSON at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr();
    }
    return e instanceof com.fasterxml.jackson.core.JsonProcessingException ? "not valid JSON" : RegistryClient.describe(e);
  }

  private static String text(JsonNode node) {
    return node == null || !node.isTextual() ? "" : node.textValue();
  }
}
