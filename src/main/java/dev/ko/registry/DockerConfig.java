package dev.ko.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ko.name.Registry;
import java.io.IOException;

/**
 * Docker's {@code config.json} conventions, shared by the keychain that reads it and {@code ko
 * login} that writes it, so both agree on where a registry's credentials live.
 */
final class DockerConfig {
  /** The key Docker files Docker Hub under. */
  static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";

  private DockerConfig() {}

  /** The key a registry's credentials are filed under. */
  static String key(Registry registry) {
    return registry.isDockerHub() ? DOCKER_HUB_KEY : registry.host();
  }

  /**
   * The credential helper for a key: {@code credHelpers[key]}, else {@code credsStore}, else empty
   * (the credentials are in {@code auths}).
   */
  static String helper(JsonNode root, String key) {
    String helper = text(root.path("credHelpers").get(key));
    return helper.isEmpty() ? text(root.get("credsStore")) : helper;
  }

  /** A string value, or empty for a missing or non-string one. */
  static String text(JsonNode node) {
    return node == null || !node.isTextual() ? "" : node.textValue();
  }

  /**
   * Where a credentials file is broken, without the parser's message: it quotes the offending text,
   * which may be a secret.
   */
  static String jsonProblem(IOException e) {
    if (e instanceof JsonProcessingException j && j.getLocation() != null) {
      return "not valid JSON at line "
          + j.getLocation().getLineNr()
          + ", column "
          + j.getLocation().getColumnNr();
    }
    return e instanceof JsonProcessingException ? "not valid JSON" : Failures.describe(e);
  }
}
