package dev.ko.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds {@code .ko.yaml}: {@code KO_CONFIG_PATH} (a file, or a directory holding {@code .ko.yaml}),
 * else the working directory's, with ko's error messages for a path that cannot be used.
 */
final class ConfigFileLocator {
  /** viper's extension order for a config named {@code .ko}; only these formats are read. */
  private static final List<String> SEARCHED = List.of(".ko.json", ".ko.yaml", ".ko.yml");

  private ConfigFileLocator() {}

  /** The config file, or null when there is none (which is fine). */
  static Path locate(Path workingDirectory, Env env) {
    String override = env.get("KO_CONFIG_PATH");
    if (!override.isEmpty()) {
      Path p = workingDirectory.resolve(override);
      if (!Files.exists(p)) {
        throw new IllegalArgumentException(
            "error looking for config file: stat " + override + ": no such file or directory");
      }
      if (Files.isRegularFile(p)) {
        return p;
      }
      if (Files.isDirectory(p)) {
        String joined = override.endsWith("/") ? override + ".ko.yaml" : override + "/.ko.yaml";
        Path inDir = p.resolve(".ko.yaml");
        if (!Files.exists(inDir)) {
          throw new IllegalArgumentException(
              "error looking for config file: stat " + joined + ": no such file or directory");
        }
        if (!Files.isRegularFile(inDir)) {
          throw new IllegalArgumentException("config file " + joined + " is not a regular file");
        }
        return inDir;
      }
      throw new IllegalArgumentException("config file " + override + " is not a regular file");
    }
    for (String name : SEARCHED) {
      Path p = workingDirectory.resolve(name);
      if (Files.exists(p) && !Files.isDirectory(p)) {
        return p;
      }
    }
    return null;
  }
}
