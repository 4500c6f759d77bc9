package dev.ko.registry;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ko.io.AtomicFile;
import dev.ko.name.Registry;
import dev.ko.oci.GoJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

/**
 * {@code ko login}: records a username and password for a registry in Docker's {@code config.json},
 * the way {@code docker login} and crane do: through the registry's credential helper ({@code
 * credHelpers}, else {@code credsStore}) when one is configured, leaving only an empty {@code
 * auths} entry in the file, else inline as base64 {@code auth}. Every other key of the file is
 * kept. The file is replaced atomically and is readable by its owner only.
 */
public final class DockerLogin {
  private final KeychainSources sources;

  public DockerLogin(KeychainSources sources) {
    this.sources = sources;
  }

  /** Stores the credentials; returns the config file it went through. */
  public Path login(Registry registry, String username, String password) throws IOException {
    Path file = sources.dockerConfig();
    if (Files.isSymbolicLink(file)) {
      file = file.toRealPath();
    }
    ObjectNode root = read(file);
    String key = DockerConfig.key(registry);
    ObjectNode auths =
        root.has("auths") && root.get("auths").isObject()
            ? (ObjectNode) root.get("auths")
            : root.putObject("auths");
    String helper = DockerConfig.helper(root, key);
    if (!helper.isEmpty()) {
      new CredentialHelper(helper, sources.helperEnvironment(), sources.helperDirectory())
          .store(key, username, password);
      auths.putObject(key);
    } else {
      ObjectNode entry = auths.putObject(key);
      entry.put(
          "auth",
          Base64.getEncoder()
              .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }
    write(file, root);
    return file;
  }

  private static ObjectNode read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return GoJson.mapper().createObjectNode();
    }
    JsonNode node;
    try {
      node = GoJson.mapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException("reading " + file + ": " + DockerConfig.jsonProblem(e));
    }
    if (node == null || node.isMissingNode()) {
      return GoJson.mapper().createObjectNode();
    }
    if (!node.isObject()) {
      throw new IOException("reading " + file + ": want a JSON object");
    }
    return (ObjectNode) node;
  }

  private static void write(Path file, ObjectNode root) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    DefaultPrettyPrinter pretty =
        new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("\t", "\n"))
            .withSeparators(
                Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.NONE));
    byte[] bytes = GoJson.mapper().writer(pretty).writeValueAsBytes(root);
    AtomicFile.write(file, AtomicFile.PRIVATE, out -> out.write(bytes));
  }
}
