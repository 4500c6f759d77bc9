package dev.ko.config;

import dev.ko.build.BuildOptions;
import dev.ko.log.Log;
import dev.ko.publish.PublishOptions;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Decides every option once, with ko's precedence: flags, then {@code KO_*} variables, then {@code
 * .ko.yaml}, then defaults. Everything is checked here, before anything is built: the build options
 * first, then the publish options, as ko makes its builder before its publisher.
 */
public final class OptionsResolver {
  private final BuildOptionsResolver build;
  private final PublishOptionsResolver publish;

  /**
   * A resolver for one invocation.
   *
   * @param toolVersion ko's version, named in SBOMs
   * @param log for the warnings ko gives about {@code .ko.yaml} and flag combinations
   */
  public OptionsResolver(Env env, Path workingDirectory, String toolVersion, Log log) {
    this.build = new BuildOptionsResolver(env, workingDirectory, toolVersion, log);
    this.publish = new PublishOptionsResolver(env, workingDirectory, log);
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
    return new Options(b, p);
  }
}
