package dev.ko.config;

import dev.ko.build.BuildOptions;
import dev.ko.buildcache.BuildCacheOptions;
import dev.ko.log.Log;
import dev.ko.name.Repository;
import dev.ko.publish.PublishOptions;
import dev.ko.publish.Referrers;
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
  private final Path workingDirectory;
  private final Log log;

  /**
   * A resolver for one invocation.
   *
   * @param toolVersion ko's version, named in SBOMs
   * @param log for the warnings ko gives about {@code .ko.yaml} and flag combinations
   */
  public OptionsResolver(Env env, Path workingDirectory, String toolVersion, Log log) {
    this.build = new BuildOptionsResolver(env, workingDirectory, toolVersion);
    this.publish = new PublishOptionsResolver(env, workingDirectory, log);
    this.env = env;
    this.workingDirectory = workingDirectory;
    this.log = log;
  }

  /**
   * The options for a command's flags.
   *
   * @param tempDirectory this run's scratch directory
   * @throws IllegalArgumentException for a value that cannot be used, saying where it came from
   */
  public Options resolve(Flags.Build buildFlags, Flags.Publish publishFlags, Path tempDirectory)
      throws IOException {
    KoConfig config = KoConfig.load(workingDirectory, env, log);
    BuildOptions b =
        build.resolve(buildFlags, config, publishFlags.insecureRegistry(), tempDirectory);
    PublishOptions p =
        publish.resolve(publishFlags, b.jobs(), referrers(publishFlags, config), config);
    return new Options(b, p, cache(publishFlags, config));
  }

  /**
   * How attachments are placed: {@code --referrers}, else {@code KO_REFERRERS}, else {@code
   * .ko.yaml}'s {@code referrers}, else cosign's tags (as ko).
   *
   * @throws IllegalArgumentException for an unknown mode, naming where it came from
   */
  private Referrers referrers(Flags.Publish flags, KoConfig config) {
    if (!flags.referrers().isEmpty()) {
      return Referrers.parse(flags.referrers(), "--referrers");
    }
    String variable = KoConfig.variable(KoConfig.REFERRERS);
    if (env.isSet(variable)) {
      return Referrers.parse(env.get(variable), variable);
    }
    if (!config.referrers().isEmpty()) {
      return Referrers.parse(config.referrers(), config.where(KoConfig.REFERRERS));
    }
    return Referrers.COSIGN_TAGS;
  }

  /**
   * The shared build cache's repository, if any: {@code --cache-repo}, else {@code KO_CACHE_REPO},
   * else {@code .ko.yaml}'s {@code cacheRepo}.
   *
   * @throws IllegalArgumentException for a value that is not a repository, naming where it came
   *     from
   */
  private BuildCacheOptions cache(Flags.Publish flags, KoConfig config) {
    String repo;
    String origin;
    if (!flags.cacheRepo().isBlank()) {
      repo = flags.cacheRepo();
      origin = "--cache-repo";
    } else if (env.isSet("KO_CACHE_REPO")) {
      repo = env.get("KO_CACHE_REPO");
      origin = "KO_CACHE_REPO";
    } else {
      repo = config.cacheRepo();
      origin = config.where(KoConfig.CACHE_REPO);
    }
    repo = repo.strip();
    if (repo.isEmpty()) {
      return BuildCacheOptions.NONE;
    }
    boolean insecure = flags.insecureRegistry();
    try {
      return new BuildCacheOptions(Optional.of(Repository.parse(repo, insecure)), insecure);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          origin + " \"" + repo + "\" is not a repository (registry/name): " + e.getMessage(), e);
    }
  }
}
