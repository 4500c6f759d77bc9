package dev.ko.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ko.concurrent.Futures;
import dev.ko.name.Registry;
import dev.ko.name.Repository;
import dev.ko.oci.GoJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Credentials the way Docker tooling finds them: Docker's {@code config.json} with {@code
 * credHelpers}, {@code credsStore} and {@code auths}; failing that, the first of podman's {@code
 * auth.json} files that exists ({@link KeychainSources}). As in go-containerregistry, the full
 * repository ({@code registry/path}) is looked up first, then the registry. Each key is looked up
 * once per keychain: a credential helper is a process, and many repositories share their registry's
 * key.
 */
public final class DockerConfigKeychain implements Keychain {
  private final KeychainSources sources;
  private final ConcurrentMap<String, CompletableFuture<Credential>> byKey =
      new ConcurrentHashMap<>();

  public DockerConfigKeychain(KeychainSources sources) {
    this.sources = sources;
  }

  /** The first existing file, in the order ko's default keychain reads them. */
  Optional<Path> configFile() {
    List<Path> candidates = new ArrayList<>();
    candidates.add(sources.dockerConfig());
    candidates.addAll(sources.authFiles());
    return candidates.stream().filter(Files::isRegularFile).findFirst();
  }

  @Override
  public Credential resolve(Repository repository) throws IOException {
    Registry registry = repository.registry();
    Credential forRepository =
        Futures.once(byKey, repository.name(), () -> lookup(repository.name(), null));
    if (!forRepository.isAnonymous()) {
      return forRepository;
    }
    String key = DockerConfig.key(registry);
    return Futures.once(byKey, key, () -> lookup(key, registry));
  }

  /**
   * The credential filed under {@code key}: from its helper if one is configured, else from {@code
   * auths}. For a registry key ({@code registry} given), an {@code auths} key also matches when it
   * names the same host with a scheme or path, as Docker's file store allows.
   */
  private Credential lookup(String key, Registry registry) throws IOException {
    Optional<Path> file = configFile();
    if (file.isEmpty()) {
      return Credential.ANONYMOUS;
    }
    JsonNode root;
    try {
      root = GoJson.mapper().readTree(file.get().toFile());
    } catch (IOException e) {
      throw new IOException(
          "reading credentials from " + file.get() + ": " + DockerConfig.jsonProblem(e));
    }
    if (root == null || !root.isObject()) {
      return Credential.ANONYMOUS;
    }
    String helper = DockerConfig.helper(root, key);
    if (!helper.isEmpty()) {
      return new CredentialHelper(helper, sources.helperEnvironment(), sources.helperDirectory())
          .get(key);
    }
    JsonNode auths = root.path("auths");
    JsonNode entry = registry == null ? auths.get(key) : findAuth(auths, registry);
    return entry == null || !entry.isObject()
        ? Credential.ANONYMOUS
        : fromAuthEntry(entry, file.get());
  }

  /**
   * The {@code auths} entry for a registry: its exact key, else one that names the same host with a
   * scheme and path ({@code https://host/v1/}), as Docker's file store allows. A key without a
   * scheme but with a path is for one repository (podman writes those) and is not used for others.
   */
  private static JsonNode findAuth(JsonNode auths, Registry registry) {
    if (!auths.isObject()) {
      return null;
    }
    String key = DockerConfig.key(registry);
    if (auths.has(key)) {
      return auths.get(key);
    }
    String wanted = registry.host();
    for (Map.Entry<String, JsonNode> e : auths.properties()) {
      String k = e.getKey();
      boolean forOneRepository =
          !k.startsWith("http://") && !k.startsWith("https://") && k.contains("/");
      String host = hostOf(k);
      if (!forOneRepository
          && (host.equals(wanted) || (registry.isDockerHub() && isDockerHubAlias(host)))) {
        return e.getValue();
      }
    }
    return null;
  }

  private static boolean isDockerHubAlias(String host) {
    return host.equals("index.docker.io")
        || host.equals("docker.io")
        || host.equals("registry-1.docker.io");
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
    String username = DockerConfig.text(entry.get("username"));
    String password = DockerConfig.text(entry.get("password"));
    String auth = DockerConfig.text(entry.get("auth"));
    if (!auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new IOException(
            "reading credentials from " + file + ": an \"auth\" value is not base64");
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new IOException(
            "reading credentials from " + file + ": an \"auth\" value is not user:password");
      }
      username = decoded.substring(0, colon);
      password = decoded.substring(colon + 1);
    }
    return new Credential(
        username,
        password,
        DockerConfig.text(entry.get("identitytoken")),
        DockerConfig.text(entry.get("registrytoken")));
  }
}
