package dev.ko.cli;

import dev.ko.config.Flags;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** ko's publish flags (build, resolve, apply, create, run). */
public final class PublishFlags {
  @Option(
      names = {"-t", "--tags"},
      split = ",",
      paramLabel = "TAG",
      description =
          "Which tags to use for the produced image instead of the default 'latest' tag "
              + "(may not work properly with --base-import-paths or --bare).")
  List<String> tags = new ArrayList<>(List.of("latest"));

  @Option(
      names = "--tag-only",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Include tags but not digests in resolved image references. Useful when digests are not "
              + "preserved when images are repopulated.")
  boolean tagOnly;

  @Option(
      names = "--push",
      arity = "0..1",
      fallbackValue = "true",
      defaultValue = "true",
      description = "Push images to KO_DOCKER_REPO")
  boolean push = true;

  @Option(
      names = {"-L", "--local"},
      arity = "0..1",
      fallbackValue = "true",
      description = "Load into images to local docker daemon.")
  boolean local;

  @Option(
      names = "--insecure-registry",
      arity = "0..1",
      fallbackValue = "true",
      description = "Whether to skip TLS verification on the registry")
  boolean insecureRegistry;

  @Option(
      names = "--oci-layout-path",
      paramLabel = "PATH",
      description = "Path to save the OCI image layout of the built images")
  String ociLayoutPath = "";

  @Option(names = "--tarball", paramLabel = "FILE", description = "File to save images tarballs")
  String tarball = "";

  @Option(
      names = "--sign-key",
      paramLabel = "FILE",
      description =
          "Sign every pushed image and index with this key (PKCS#8 PEM EC P-256), in cosign's"
              + " layout (sha256-<hex>.sig).")
  String signKey = "";

  @Option(
      names = "--referrers",
      paramLabel = "MODE",
      description =
          "How SBOMs and signatures are attached: cosign-tags (sha256-<hex>.sbom/.sig, the"
              + " default), or as OCI 1.1 referrers: auto (the registry's referrers API, else the"
              + " sha256-<hex> referrers tag), api or tag (also KO_REFERRERS, .ko.yaml referrers).")
  String referrers = "";

  @Option(
      names = "--cache-repo",
      paramLabel = "REPO",
      description =
          "Look each build up in this repository's shared build cache before running go build, and"
              + " record what is built there (also KO_CACHE_REPO, .ko.yaml cacheRepo).")
  String cacheRepo = "";

  @Option(
      names = "--image-refs",
      paramLabel = "FILE",
      description = "Path to file where a list of the published image references will be written.")
  String imageRefs = "";

  @Option(
      names = {"-P", "--preserve-import-paths"},
      arity = "0..1",
      fallbackValue = "true",
      description = "Whether to preserve the full import path after KO_DOCKER_REPO.")
  boolean preserveImportPaths;

  @Option(
      names = {"-B", "--base-import-paths"},
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Whether to use the base path without MD5 hash after KO_DOCKER_REPO (may not work"
              + " properly with --tags).")
  boolean baseImportPaths;

  @Option(
      names = "--bare",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Whether to just use KO_DOCKER_REPO without additional context (may not work properly"
              + " with --tags).")
  boolean bare;

  /** The flags as given, for the config package to interpret. */
  Flags.Publish values() {
    return new Flags.Publish(
        tags,
        tagOnly,
        push,
        local,
        insecureRegistry,
        ociLayoutPath,
        tarball,
        imageRefs,
        preserveImportPaths,
        baseImportPaths,
        bare,
        signKey,
        cacheRepo,
        referrers);
  }
}
