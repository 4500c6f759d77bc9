package dev.ko.config;

import dev.ko.log.Log;
import dev.ko.name.BadNameException;
import dev.ko.name.Registry;
import dev.ko.name.Repository;
import dev.ko.name.Tag;
import dev.ko.oci.Platform;
import dev.ko.publish.Namer;
import dev.ko.publish.PublishOptions;
import dev.ko.publish.Referrers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * The publish options for the flags and {@code KO_DOCKER_REPO}, every check done, the destination
 * chosen as ko does: the local Docker engine ({@code --local} or {@code ko.local}), else kind nodes
 * ({@code kind.local}), else the OCI layout, the tarball and the registry, whichever are asked for.
 */
final class PublishOptionsResolver {
  private static final String LOCAL_DOMAIN = "ko.local";
  private static final String KIND_DOMAIN = "kind.local";

  private final Env env;
  private final Path workingDirectory;
  private final Log log;

  PublishOptionsResolver(Env env, Path workingDirectory, Log log) {
    this.env = env;
    this.workingDirectory = workingDirectory;
    this.log = log;
  }

  /**
   * The options for the publish flags.
   *
   * @param jobs the resolved {@code -j}, which also bounds uploads
   * @param referrers the resolved {@code --referrers}
   */
  PublishOptions resolve(Flags.Publish flags, int jobs, Referrers referrers) {
    return resolve(flags, jobs, referrers, null);
  }

  /** As above, with {@code .ko.yaml}'s {@code signKey} when {@code config} is given. */
  PublishOptions resolve(Flags.Publish flags, int jobs, Referrers referrers, KoConfig config) {
    String repo = EnvironmentOptions.dockerRepo(env);
    Namer namer = Namer.select(flags.preserveImportPaths(), flags.baseImportPaths(), flags.bare());
    if (flags.bare() && flags.baseImportPaths()) {
      log.info(
          "WARNING! --base-import-paths will take precedence and ignore --bare flag. "
              + "In a future release this will be an error.");
    }
    List<String> tags = List.copyOf(new LinkedHashSet<>(flags.tags())); // first occurrence kept
    for (String tag : tags) {
      try {
        Tag.checkTag(tag);
      } catch (BadNameException e) {
        throw new IllegalArgumentException("invalid tag \"" + tag + "\": " + e.getMessage(), e);
      }
    }
    Platform localPlatform = EnvironmentOptions.localPlatform(env);
    Optional<Path> imageRefs = path(flags.imageRefs());
    if (flags.local() || repo.startsWith(LOCAL_DOMAIN)) {
      if (flags.local() && repo.contains(LOCAL_DOMAIN)) {
        log.info("WARNING! The --local flag might be deprecated in the future.");
      }
      return new PublishOptions(
          repo.isEmpty() ? LOCAL_DOMAIN : repo,
          namer,
          tags,
          flags.tagOnly(),
          localPlatform,
          new PublishOptions.Daemon(EnvironmentOptions.dockerHost(env)),
          imageRefs);
    }
    if (repo.startsWith(KIND_DOMAIN)) {
      return new PublishOptions(
          repo,
          namer,
          tags,
          flags.tagOnly(),
          localPlatform,
          new PublishOptions.Kind(EnvironmentOptions.kindCluster(env)),
          imageRefs);
    }
    Optional<PublishOptions.Layout> layout = Optional.empty();
    if (!flags.ociLayoutPath().isEmpty()) {
      Path directory = workingDirectory.resolve(flags.ociLayoutPath());
      if (Files.exists(directory) && !Files.isDirectory(directory)) {
        throw new IllegalArgumentException(
            "--oci-layout-path " + flags.ociLayoutPath() + " is not a directory");
      }
      layout = Optional.of(new PublishOptions.Layout(flags.ociLayoutPath(), directory));
    }
    Optional<PublishOptions.Push> push = Optional.empty();
    if (flags.push()) {
      if (repo.isEmpty()) {
        throw new IllegalArgumentException("KO_DOCKER_REPO environment variable is unset");
      }
      push =
          Optional.of(
              new PublishOptions.Push(
                  registryOf(repo, flags.insecureRegistry()),
                  flags.insecureRegistry(),
                  EnvironmentOptions.cosignRepository(env, flags.insecureRegistry()),
                  jobs,
                  signKey(flags.signKey(), config),
                  signKeyPassword(),
                  referrers));
    }
    return new PublishOptions(
        repo,
        namer,
        tags,
        flags.tagOnly(),
        localPlatform,
        new PublishOptions.Outputs(layout, path(flags.tarball()), push),
        imageRefs);
  }

  /**
   * {@code --sign-key}, else {@code KO_SIGN_KEY} (both resolved against the working directory),
   * else {@code .ko.yaml}'s {@code signKey} (resolved against the file's directory); a file that is
   * not there is refused before anything is built, naming where the value came from.
   */
  private Optional<Path> signKey(String flag, KoConfig config) {
    String value;
    String origin;
    Path base = workingDirectory;
    if (!flag.isEmpty()) {
      value = flag;
      origin = "--sign-key";
    } else if (env.isSet("KO_SIGN_KEY")) {
      value = env.get("KO_SIGN_KEY");
      origin = "KO_SIGN_KEY";
    } else if (config != null && !config.supplyChain(KoConfig.SIGN_KEY).isBlank()) {
      value = config.supplyChain(KoConfig.SIGN_KEY).strip();
      origin = config.where(KoConfig.SIGN_KEY);
      if (config.file() != null && config.file().toAbsolutePath().getParent() != null) {
        base = config.file().toAbsolutePath().getParent();
      }
    } else {
      return Optional.empty();
    }
    Path file = base.resolve(value);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(origin + " " + value + ": no such file");
    }
    return Optional.of(file);
  }

  /**
   * {@code COSIGN_PASSWORD} as cosign reads it, else the first line of {@code
   * KO_SIGN_KEY_PASSWORD_FILE}: a password never comes from the command line, where other users of
   * the machine could read it.
   */
  private String signKeyPassword() {
    String password = env.get("COSIGN_PASSWORD");
    String file = env.get("KO_SIGN_KEY_PASSWORD_FILE");
    if (!password.isEmpty() || file.isEmpty()) {
      return password;
    }
    try {
      return Files.readAllLines(workingDirectory.resolve(file)).stream().findFirst().orElse("");
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "KO_SIGN_KEY_PASSWORD_FILE " + file + ": cannot be read (" + e.getMessage() + ")", e);
    }
  }

  /** A path flag resolved against the working directory; empty when not given. */
  private Optional<Path> path(String flag) {
    return flag.isEmpty() ? Optional.empty() : Optional.of(workingDirectory.resolve(flag));
  }

  /** KO_DOCKER_REPO is a registry or a repository, as in ko. */
  static Registry registryOf(String repo, boolean insecure) {
    try {
      if (!repo.contains("/")) {
        return new Registry(repo, insecure);
      }
    } catch (BadNameException e) {
      // not a bare registry: try a repository
    }
    try {
      return Repository.parse(repo, insecure).registry();
    } catch (BadNameException e) {
      throw new IllegalArgumentException(
          "failed to parse \"" + repo + "\" as repository: " + e.getMessage(), e);
    }
  }
}
