package dev.ko.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.log.Log;
import dev.ko.name.Reference;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ko's configuration as viper assembles it: {@code .ko.yaml} ({@link KoYamlParser}), then the
 * {@code KO_<KEY>} variables of the keys ko knows winning over the file, then the base image
 * references checked.
 */
final class KoConfigReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The registry name ko reserves for images in the local Docker daemon. */
  private static final String LOCAL_DOMAIN = "ko.local";

  private final Path workingDirectory;
  private final Env env;
  private final Log log;

  KoConfigReader(Path workingDirectory, Env env, Log log) {
    this.workingDirectory = workingDirectory;
    this.env = env;
    this.log = log;
  }

  KoConfig read() {
    Path file = ConfigFileLocator.locate(workingDirectory, env);
    String defaultBaseImage = "";
    Map<String, String> overrides = new LinkedHashMap<>();
    Map<String, List<String>> lists = new LinkedHashMap<>();
    List<KoConfig.Build> builds = List.of();
    String cacheRepo = "";
    String referrers = "";
    Map<String, String> supplyChain = new LinkedHashMap<>();
    Map<String, String> origins = new LinkedHashMap<>();
    if (file != null) {
      KoYamlParser.Values values = new KoYamlParser(file, log).read();
      defaultBaseImage = values.defaultBaseImage();
      overrides = lowerCaseKeys(values.baseImageOverrides());
      lists.putAll(values.lists());
      builds = values.builds();
      cacheRepo = values.cacheRepo();
      referrers = values.referrers();
      supplyChain.putAll(values.supplyChain());
      origins.putAll(values.origins());
    }

    // viper's AutomaticEnv: KO_<KEY> beats the file; empty variables count as unset.
    if (env.isSet("KO_DEFAULTBASEIMAGE")) {
      defaultBaseImage = env.get("KO_DEFAULTBASEIMAGE");
      origins.put(KoConfig.DEFAULT_BASE_IMAGE, "KO_DEFAULTBASEIMAGE");
    }
    for (String key :
        List.of(
            KoConfig.DEFAULT_PLATFORMS,
            KoConfig.DEFAULT_ENV,
            KoConfig.DEFAULT_FLAGS,
            KoConfig.DEFAULT_LDFLAGS)) {
      String variable = KoConfig.variable(key);
      if (env.isSet(variable)) {
        lists.put(key, KoYamlParser.fields(env.get(variable)));
        origins.put(key, variable);
      }
    }
    if (env.isSet("KO_BASEIMAGEOVERRIDES")) {
      overrides = lowerCaseKeys(jsonOverrides(env.get("KO_BASEIMAGEOVERRIDES")));
      origins.put(KoConfig.BASE_IMAGE_OVERRIDES, "KO_BASEIMAGEOVERRIDES");
    }

    KoConfig config =
        new KoConfig(
            file,
            defaultBaseImage,
            overrides,
            lists.getOrDefault(KoConfig.DEFAULT_PLATFORMS, List.of()),
            lists.getOrDefault(KoConfig.DEFAULT_ENV, List.of()),
            lists.getOrDefault(KoConfig.DEFAULT_FLAGS, List.of()),
            lists.getOrDefault(KoConfig.DEFAULT_LDFLAGS, List.of()),
            builds,
            cacheRepo,
            referrers,
            origins,
            supplyChain);
    validateReferences(config);
    return config;
  }

  private static Map<String, String> jsonOverrides(String json) {
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "KO_BASEIMAGEOVERRIDES: invalid JSON: " + KoYamlParser.oneLine(e.getOriginalMessage()),
          e);
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(
          "KO_BASEIMAGEOVERRIDES: expected a JSON object of import path to image reference, got "
              + json);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!e.getValue().isTextual()) {
        throw new IllegalArgumentException(
            "KO_BASEIMAGEOVERRIDES: the value for \""
                + e.getKey()
                + "\" must be a string (an image reference), got "
                + e.getValue());
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  private static void validateReferences(KoConfig config) {
    if (!config.defaultBaseImage().isEmpty()) {
      checkReference(
          config.origin(KoConfig.DEFAULT_BASE_IMAGE),
          KoConfig.DEFAULT_BASE_IMAGE,
          config.defaultBaseImage());
    }
    for (String ref : config.baseImageOverrides().values()) {
      if (!ref.isEmpty()) {
        checkReference(
            config.origin(KoConfig.BASE_IMAGE_OVERRIDES), KoConfig.BASE_IMAGE_OVERRIDES, ref);
      }
    }
  }

  private static void checkReference(String origin, String key, String ref) {
    Reference parsed;
    try {
      parsed = Reference.parse(ref);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          origin
              + ": '"
              + key
              + "': error parsing \""
              + ref
              + "\" as image reference: "
              + e.getMessage(),
          e);
    }
    // ko loads these from the Docker daemon; without that, the pull would go to a host named
    // ko.local.
    if (parsed.repository().registry().host().equals(LOCAL_DOMAIN)) {
      throw new IllegalArgumentException(
          origin
              + ": '"
              + key
              + "': \""
              + ref
              + "\" is an image in the local "
              + "Docker daemon ("
              + LOCAL_DOMAIN
              + "), which ko-jvm cannot use as a base image: push it to a registry "
              + "and use that reference");
    }
  }

  private static Map<String, String> lowerCaseKeys(Map<String, String> in) {
    Map<String, String> out = new LinkedHashMap<>();
    in.forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), v));
    return out;
  }
}
