package dev.ko.cli;

import dev.ko.config.Flags;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** ko's build flags (build, resolve, apply, create, run). */
public final class BuildFlags {
  @Option(
      names = {"-j", "--jobs"},
      paramLabel = "N",
      description = "The maximum number of concurrent builds (default GOMAXPROCS)")
  int jobs;

  @Option(
      names = "--disable-optimizations",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Disable optimizations when building Go code. Useful when you want to interactively debug"
              + " the created container.")
  boolean disableOptimizations;

  @Option(
      names = "--ldflags",
      split = ",",
      paramLabel = "FLAGS",
      description = "ldflags to pass to go build (may be repeated)")
  List<String> ldflags = new ArrayList<>();

  @Option(
      names = "--sbom",
      paramLabel = "TYPE",
      defaultValue = "spdx",
      description =
          "The SBOM media type to use: spdx, cyclonedx or none (none will disable SBOM synthesis"
              + " and upload).")
  String sbom = "spdx";

  @Option(
      names = "--sbom-dir",
      paramLabel = "DIR",
      description = "Path to directory where the SBOM will be written.")
  String sbomDir = "";

  @Option(
      names = "--platform",
      paramLabel = "PLATFORM",
      description =
          "Which platform to use when pulling a multi-platform base. Format: all |"
              + " <os>[/<arch>[/<variant>]][,platform]*")
  List<String> platforms = new ArrayList<>();

  @Option(
      names = "--image-label",
      split = ",",
      paramLabel = "KEY=VALUE",
      description = "Which labels (key=value[,key=value]) to add to the image.")
  List<String> imageLabels = new ArrayList<>();

  @Option(
      names = "--image-annotation",
      split = ",",
      paramLabel = "KEY=VALUE",
      description = "Which annotations (key=value[,key=value]) to add to the OCI manifest.")
  List<String> imageAnnotations = new ArrayList<>();

  @Option(
      names = "--image-user",
      paramLabel = "USER",
      description = "The default user the image should be run as.")
  String imageUser = "";

  @Option(
      names = "--debug",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Include Delve debugger into image and wrap around ko-app. This debugger will listen to"
              + " port 40000.")
  boolean debug;

  @Option(
      names = "--provenance",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Attach SLSA provenance v1 to pushed images and indexes as in-toto attestations (signed"
              + " with --sign-key when given; default false, or KO_PROVENANCE / .ko.yaml"
              + " provenance)")
  Boolean provenance;

  @Option(
      names = "--source-annotations",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Annotate images and indexes with org.opencontainers.image.source and .revision from"
              + " git (changes the digest; default false, or KO_SOURCEANNOTATIONS / .ko.yaml"
              + " sourceAnnotations)")
  Boolean sourceAnnotations;

  /** The flags as given, for the config package to interpret. */
  Flags.Build values() {
    return new Flags.Build(
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
        provenance,
        sourceAnnotations);
  }
}
