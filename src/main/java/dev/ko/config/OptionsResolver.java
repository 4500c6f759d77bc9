package dev.ko.config;

import dev.ko.build.BuildOptions;
import dev.ko.buildcache.BuildCacheOptions;
import dev.ko.log.Log;
import dev.ko.name.Repository;
import dev.ko.publish.PublishOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Decides every option once, with ko's precedence: flags, then {@code KO_*} variables, then {@code
 * .ko.yaml}, then defaults. Everything is checked here, before anything is built: the build options
 * first, then the publish options, as ko makes its builder before its publisher.
 */
public final class OptionsResolver {
  private final BuildOptionsResolver build;
  private final PublishOptionsResolver publish;
  private final Env env;

  /**
   * A resolver for one invocation.
   *
   * @param toolVersion ko's version, named in SBOMs
   * @param log for the warnings ko gives about {@code .ko.yaml} and flag combinations
   */
  public OptionsResolver(Env env, Path workingDirectory, String toolVersion, Log log) {
    this.build = new BuildOptionsResolver(env, workingDirectory, toolVersion, log);
    this.publish = new PublishOptionsResolver(env, workingDirectory, log);
    this.env = env;
  }

  /**
   * The options for a command's flags.
   *
   * @param tempDirectory this run's scratch directory
   * @throws IllegalArgumentException for a value that cannot be used, saying where it came from
   */
  public Options resolve(Flags.Build buildFlags, Flags.Publish publishFlags, Path tempDirectory)
      throws IOException {
    BuildOptions b = build.resolve(buildFlags, publishFlags.insecureRegistry(), tempDirectory);
    PublishOptions p = publish.resolve(publishFlags, b.jobs());
    return new Options(b, p, cache(publishFlags.insecureRegistry()));
  }

  /**
   * {@code KO_CACHE_REPO}: the repository of the shared build cache, if any.
   *
   * @throws IllegalArgumentException for a value that is not a repository
   */
  private BuildCacheOptions cache(boolean insecure) {
    String repo = env.get("KO_CACHE_REPO").strip();
    if (repo.isEmpty()) {
      return BuildCacheOptions.NONE;
    }
    try {
      return new BuildCacheOptions(Optional.of(Repository.parse(repo, insecure)), insecure);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "KO_CACHE_REPO \"" + repo + "\" is not a repository (registry/name): " + e.getMessage(),
          e);
    }
  }
}
