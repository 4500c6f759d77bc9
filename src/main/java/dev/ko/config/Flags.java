package dev.ko.config;

import java.util.List;

/**
 * ko's command-line flags as given, before any of them is interpreted: the CLI copies its parsed
 * flags into these, and {@link OptionsResolver} decides what they mean together with the
 * environment and {@code .ko.yaml}.
 */
public final class Flags {
  private Flags() {}

  /**
   * The build flags of build, resolve, apply, create and run.
   *
   * @param jobs {@code -j}; 0 or less for the number of cores
   * @param sbom {@code --sbom}: {@code spdx}, {@code cyclonedx} or {@code none}
   * @param sbomDir {@code --sbom-dir}; empty for none
   * @param platforms {@code --platform}; empty when not given
   * @param imageLabels {@code --image-label}, each {@code key=value}
   * @param imageAnnotations {@code --image-annotation}, each {@code key=value}
   */
  public record Build(
      int jobs,
      boolean disableOptimizations,
      List<String> ldflags,
      String sbom,
      String sbomDir,
      List<String> platforms,
      List<String> imageLabels,
      List<String> imageAnnotations,
      String imageUser,
      boolean debug,
      Boolean provenance,
      Boolean sourceAnnotations) {
    /** No build flag given. */
    public static final Build DEFAULTS =
        new Build(0, false, List.of(), "spdx", "", List.of(), List.of(), List.of(), "", false);

    /** Without {@code --provenance} and {@code --source-annotations} (null: not given). */
    public Build(
        int jobs,
        boolean disableOptimizations,
        List<String> ldflags,
        String sbom,
        String sbomDir,
        List<String> platforms,
        List<String> imageLabels,
        List<String> imageAnnotations,
        String imageUser,
        boolean debug) {
      this(
          jobs,
          disableOptimizations,
          ldflags,
          sbom,
          sbomDir,
          platforms,
          imageLabels,
          imageAnnotations,
          imageUser,
          debug,
          null,
          null);
    }

    public Build {
      ldflags = List.copyOf(ldflags);
      platforms = List.copyOf(platforms);
      imageLabels = List.copyOf(imageLabels);
      imageAnnotations = List.copyOf(imageAnnotations);
    }
  }

  /**
   * The publish flags of build, resolve, apply, create and run.
   *
   * @param tags {@code -t}, duplicates included
   * @param ociLayoutPath {@code --oci-layout-path}; empty for none
   * @param tarball {@code --tarball}; empty for none
   * @param imageRefs {@code --image-refs}; empty for none
   * @param signKey {@code --sign-key}: a PKCS#8 PEM EC P-256 key to sign pushed images with; empty
   *     for none
   * @param cacheRepo {@code --cache-repo}: the shared build cache's repository; empty for none
   * @param referrers {@code --referrers}: {@code auto}, {@code api}, {@code tag} or {@code
   *     cosign-tags}; empty when not given
   */
  public record Publish(
      List<String> tags,
      boolean tagOnly,
      boolean push,
      boolean local,
      boolean insecureRegistry,
      String ociLayoutPath,
      String tarball,
      String imageRefs,
      boolean preserveImportPaths,
      boolean baseImportPaths,
      boolean bare,
      String signKey,
      String cacheRepo,
      String referrers) {
    /** No publish flag given. */
    public static final Publish DEFAULTS =
        new Publish(
            List.of("latest"),
            false,
            true,
            false,
            false,
            "",
            "",
            "",
            false,
            false,
            false,
            "",
            "",
            "");

    public Publish {
      tags = List.copyOf(tags);
    }
  }
}
