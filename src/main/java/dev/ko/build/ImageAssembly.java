package dev.ko.build;

import dev.ko.attest.GitSource;
import dev.ko.attest.Provenance;
import dev.ko.build.BaseImages.Base;
import dev.ko.oci.Annotations;
import dev.ko.oci.BuiltIndex;
import dev.ko.oci.ConfigFile;
import dev.ko.oci.ContainerConfig;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.GoTime;
import dev.ko.oci.History;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.IndexManifest;
import dev.ko.oci.LayerFile;
import dev.ko.oci.MediaType;
import dev.ko.oci.Mutate;
import dev.ko.oci.Platform;
import dev.ko.sbom.BaseSbom;
import dev.ko.sbom.GoBuildInfo;
import dev.ko.sbom.SbomAttacher;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * ko's image from a base and its two layers (kodata, then the binary), and ko's index over such
 * images: config changes, history, annotations and SBOMs as ko makes them. Pure assembly: every
 * input is already built.
 */
final class ImageAssembly {
  static final String AUTHOR = "github.com/ko-build/ko";
  static final String SOURCE = "org.opencontainers.image.source";
  static final String REVISION = "org.opencontainers.image.revision";

  private final BuildOptions options;
  private final SbomAttacher sboms;

  ImageAssembly(BuildOptions options, SbomAttacher sboms) {
    this.options = options;
    this.sboms = sboms;
  }

  /** Where the binary is in an image of the platform's OS family. */
  static String appPath(String appName, boolean windows) {
    return windows ? "C:\\ko-app\\" + appName : AppLayers.APP_DIR + "/" + appName;
  }

  /**
   * One platform's image.
   *
   * @param reference the {@code ko://} reference, as the history entries name it
   * @param source the package's git source, read only for provenance or source annotations
   * @param baseSbom the base image's SBOM, which the image's SBOM then references
   */
  Image image(
      String reference,
      String appName,
      Base base,
      Image baseImage,
      Digest baseDigest,
      Platform platform,
      LayerFile kodata,
      Compiled binary,
      Optional<GitSource> source,
      Optional<BaseSbom> baseSbom)
      throws IOException {
    boolean windows = platform.os().equals("windows");
    MediaType layerType =
        baseImage.mediaType().equals(MediaType.DOCKER_MANIFEST)
            ? MediaType.DOCKER_LAYER
            : MediaType.OCI_LAYER;
    GoTime binaryTime = options.creationTime() == null ? GoTime.ZERO : options.creationTime();
    GoTime kodataTime =
        options.kodataCreationTime() == null ? GoTime.ZERO : options.kodataCreationTime();
    List<Mutate.Addition> additions =
        List.of(
            new Mutate.Addition(
                kodata.withMediaType(layerType),
                new History(
                    "ko",
                    kodataTime,
                    "ko build " + reference,
                    "kodata contents, at $KO_DATA_PATH",
                    false)),
            new Mutate.Addition(
                binary.layer().withMediaType(layerType),
                new History(
                    "ko",
                    binaryTime,
                    "ko build " + reference,
                    "go build output, at " + AppLayers.APP_DIR + "/" + appName,
                    false)));
    SortedMap<String, String> annotations = options.annotations();
    annotations.put(Annotations.BASE_NAME, base.reference().name());
    annotations.put(Annotations.BASE_DIGEST, baseDigest.toString());
    sourceAnnotations(annotations, source);
    String appPath = appPath(appName, windows);
    Image image =
        Mutate.append(baseImage, additions, cfg -> configure(cfg, appPath, windows), annotations);
    Image withSbom = sboms.attach(image, binary.versionM(), appName, platform, baseSbom);
    if (!options.supplyChain().provenance()) {
      return withSbom;
    }
    byte[] predicate =
        Provenance.image(
            new Provenance.Build(
                options.supplyChain().toolVersion(),
                reference,
                platform.toString(),
                binary.goBuild(),
                binary.environment(),
                GoBuildInfo.fromVersionM(binary.versionM()).goVersion(),
                appPath,
                source,
                base.reference().name(),
                baseDigest,
                GoBuildInfo.fromVersionM(binary.versionM()).deps(),
                started(binary.started()),
                started(binary.finished())));
    return withSbom.withAttachment(Provenance.attachment(predicate));
  }

  /** {@code at}, or the creation time ({@code SOURCE_DATE_EPOCH}) when one is set. */
  private Instant started(Instant at) {
    return options.creationTime() == null ? at : options.creationTime().time().toInstant();
  }

  /** The OCI source and revision annotations, when asked for and git knows them. */
  private void sourceAnnotations(SortedMap<String, String> annotations, Optional<GitSource> git) {
    if (!options.supplyChain().sourceAnnotations() || git.isEmpty()) {
      return;
    }
    if (!git.get().remote().isEmpty()) {
      annotations.put(SOURCE, git.get().remote());
    }
    annotations.put(REVISION, git.get().commit());
  }

  /** The index over one image per matched base descriptor, in the base's order. */
  ImageIndex index(
      String reference,
      String appName,
      Base base,
      ImageIndex baseIndex,
      List<Descriptor> matched,
      List<Image> images,
      List<Compiled> binaries,
      Optional<GitSource> source,
      Optional<BaseSbom> baseSbom)
      throws IOException {
    List<Descriptor> descriptors = new ArrayList<>();
    for (int i = 0; i < matched.size(); i++) {
      Descriptor baseDesc = matched.get(i);
      Image img = images.get(i);
      descriptors.add(
          new Descriptor(
              baseDesc.mediaType(),
              img.size(),
              img.digest(),
              "",
              baseDesc.urls(),
              baseDesc.annotations(),
              baseDesc.platform(),
              img.configDescriptor().mediaType().value()));
    }
    SortedMap<String, String> annotations = options.annotations();
    annotations.put(Annotations.BASE_NAME, base.reference().name());
    annotations.put(Annotations.BASE_DIGEST, baseIndex.digest().toString());
    sourceAnnotations(annotations, source);
    ImageIndex index =
        sboms.attach(
            BuiltIndex.of(
                new IndexManifest(2, baseIndex.mediaType(), descriptors, annotations, null),
                images),
            appName,
            baseSbom);
    if (!options.supplyChain().provenance()) {
      return index;
    }
    SortedMap<String, Digest> byPlatform = new TreeMap<>();
    Instant started = null;
    Instant finished = null;
    for (int i = 0; i < images.size(); i++) {
      Descriptor d = descriptors.get(i);
      byPlatform.put(d.platform() == null ? "unknown/" + i : d.platform().toString(), d.digest());
      Compiled c = binaries.get(i);
      started = started == null || c.started().isBefore(started) ? c.started() : started;
      finished = finished == null || c.finished().isAfter(finished) ? c.finished() : finished;
    }
    byte[] predicate =
        Provenance.index(
            options.supplyChain().toolVersion(),
            reference,
            source,
            base.reference().name(),
            baseIndex.digest(),
            byPlatform,
            started(started),
            started(finished));
    return index.withAttachment(Provenance.attachment(predicate));
  }

  private ConfigFile configure(ConfigFile cfg, String appPath, boolean windows) {
    ContainerConfig c = cfg.config().withEntrypoint(List.of(appPath)).withCmd(List.of());
    List<String> env = new ArrayList<>(c.env());
    String appDir = windows ? "C:\\ko-app" : AppLayers.APP_DIR;
    boolean sawPath = false;
    for (int i = 0; i < env.size(); i++) {
      String e = env.get(i);
      int eq = e.indexOf('=');
      if (eq >= 0 && e.substring(0, eq).equals("PATH")) {
        // ko joins with ':' even on Windows.
        env.set(i, "PATH=" + e.substring(eq + 1) + ":" + appDir);
        sawPath = true;
        break;
      }
    }
    if (!sawPath) {
      env.add("PATH=" + appDir);
    }
    env.add("KO_DATA_PATH=" + (windows ? "C:\\var\\run\\ko" : AppLayers.KODATA_ROOT));
    c = c.withEnv(env);
    if (!options.labels().isEmpty()) {
      SortedMap<String, String> labels = c.labels();
      labels.putAll(options.labels());
      c = c.withLabels(labels);
    }
    if (!options.user().isEmpty()) {
      c = c.withUser(options.user());
    }
    ConfigFile out = cfg.withConfig(c).withAuthor(AUTHOR);
    return options.creationTime() == null ? out : out.withCreated(options.creationTime());
  }
}
