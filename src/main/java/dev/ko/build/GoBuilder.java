package dev.ko.build;

import dev.ko.attest.GitSource;
import dev.ko.build.BaseImages.Base;
import dev.ko.concurrent.Futures;
import dev.ko.concurrent.TaskGroup;
import dev.ko.log.Log;
import dev.ko.oci.Artifact;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.LayerFile;
import dev.ko.oci.LayerSink;
import dev.ko.oci.Platform;
import dev.ko.sbom.BaseSbom;
import dev.ko.sbom.SbomAttacher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * ko's Go builder: one {@code go build} per platform (in parallel, at most {@code jobs} at once),
 * each binary and the package's kodata layered onto the matching base image. Everything a build
 * waits for is composed as futures on the caller's task group, so no pool thread waits for another.
 */
public final class GoBuilder implements Builder {
  private final BuildOptions options;
  private final BaseImages bases;
  private final BaseSboms baseSboms;
  private final Log log;
  private final PlatformMatcher matcher;
  private final GoPackages packages;
  private final GoCompiler compiler;
  private final ImageAssembly assembly;
  private final KodataLayerCache kodataCache;
  private final BuildKeys keys;
  private final SbomAttacher sboms;
  private final PlatformCache platformCache;
  private final String keyVersion;
  private final LayerSink.PerImage layerSinks;

  /**
   * The builder for resolved options: starts fetching the default base image, then matches the
   * build configs to their main packages with {@code go list} while it downloads. Each image of a
   * multi-platform build is looked up in {@code platformCache} under its platform's key first (keys
   * of ko-jvm version {@code keyVersion}), when {@link #cacheKey} has computed the build's keys;
   * the SBOM of each base image is looked up with {@code sbomLookup} (while the build runs) so that
   * ours can reference it, and nothing is looked up when SBOMs are off.
   *
   * @param fetcher pulls base images
   * @param tasks runs the base image fetches
   * @param layerSinks where each image's new layers are streamed while they are written (an upload
   *     that starts early), if anywhere
   * @throws IllegalArgumentException for a build config {@code go list} cannot match
   */
  public static GoBuilder start(
      BuildOptions options,
      GoToolchain go,
      BaseImages.Fetcher fetcher,
      BaseSboms.Lookup sbomLookup,
      TaskGroup tasks,
      EarlyGo early,
      PlatformCache platformCache,
      String keyVersion,
      LayerSink.PerImage layerSinks,
      Log log)
      throws IOException {
    BaseImages bases = new BaseImages(fetcher, options, tasks, log);
    bases.prefetchDefault();
    BaseSboms baseSboms = new BaseSboms(sbomLookup, options.sbom(), tasks, log);
    List<BuildConfig> matched =
        BuildConfigs.resolve(
            options.workingDirectory(), options.buildConfigs(), go, options.environment());
    return new GoBuilder(
        options.withBuildConfigs(matched),
        go,
        bases,
        baseSboms,
        early,
        platformCache,
        keyVersion,
        layerSinks,
        log);
  }

  /**
   * A builder for options whose build configs are matched already ({@link BuildConfigs#resolve}).
   */
  public GoBuilder(BuildOptions options, GoToolchain go, BaseImages bases, Log log) {
    this(options, go, bases, EarlyGo.NONE, log);
  }

  /** As above, using what {@code early} started when it is exactly what the build needs. */
  public GoBuilder(BuildOptions options, GoToolchain go, BaseImages bases, EarlyGo early, Log log) {
    this(
        options,
        go,
        bases,
        BaseSboms.NONE,
        early,
        PlatformCache.NONE,
        "",
        LayerSink.PerImage.NONE,
        log);
  }

  private GoBuilder(
      BuildOptions options,
      GoToolchain go,
      BaseImages bases,
      BaseSboms baseSboms,
      EarlyGo early,
      PlatformCache platformCache,
      String keyVersion,
      LayerSink.PerImage layerSinks,
      Log log) {
    this.options = options;
    this.layerSinks = layerSinks;
    this.platformCache = platformCache;
    this.keyVersion = keyVersion;
    this.bases = bases;
    this.baseSboms = baseSboms;
    this.log = log;
    this.matcher = new PlatformMatcher(options.platforms());
    this.sboms = new SbomAttacher(options.sbom(), options.workingDirectory(), log);
    this.packages = new GoPackages(options, early.listingsFirst(go), log);
    this.compiler = new GoCompiler(options, go, packages, sboms, early, layerSinks, log);
    this.assembly = new ImageAssembly(options, sboms);
    this.kodataCache = new KodataLayerCache(options.cacheDirectory().resolve("kodata"));
    this.keys = new BuildKeys(options, go, packages, bases, matcher);
  }

  /**
   * The build cache key of a supported reference: a sha256 over every input that decides its image
   * ({@link BuildKeys}), computed with {@code go env} and {@code go list -deps} and no build.
   *
   * @param version ko-jvm's version, which is part of the key
   */
  public CompletableFuture<String> cacheKey(String reference, String version, TaskGroup tasks) {
    String importPath =
        reference.startsWith(STRICT_SCHEME)
            ? reference.substring(STRICT_SCHEME.length())
            : reference;
    return tasks.thenCompose(
        tasks.fork(() -> packages.get(importPath)),
        pkg -> keys.key(reference, importPath, version, tasks).thenApply(BuildKeys.Keys::whole));
  }

  /**
   * Writes what a build of {@code reference} leaves beside the artifact, for {@code artifact} taken
   * from a build cache instead: the {@code --sbom-dir} files, from the SBOMs attached to it (the
   * platform of a single image read from its config, as a build reads its base's).
   */
  public void writeSideFiles(String reference, Artifact artifact) throws IOException {
    String importPath =
        reference.startsWith(STRICT_SCHEME)
            ? reference.substring(STRICT_SCHEME.length())
            : reference;
    Platform single =
        artifact instanceof Image image
            ? Platforms.ofBaseConfig(image.configFile().platform())
            : null;
    sboms.writeFiles(artifact, AppLayers.appName(importPath), single);
  }

  @Override
  public String qualifyImport(String importPath) throws IOException {
    String path = packages.qualify(importPath);
    return path.startsWith(STRICT_SCHEME) ? path : STRICT_SCHEME + path;
  }

  @Override
  public void prepare(Collection<String> references) throws IOException {
    List<String> importPaths = new ArrayList<>();
    for (String ref : references) {
      if (ref.startsWith(STRICT_SCHEME)) {
        importPaths.add(ref.substring(STRICT_SCHEME.length()));
      }
    }
    packages.prefetch(importPaths);
  }

  @Override
  public void checkSupported(String reference) throws IOException {
    if (!reference.startsWith(STRICT_SCHEME)) {
      throw new UnsupportedReferenceException("importpath does not start with ko://");
    }
    List<Platform> named = matcher.concretePlatforms();
    packages.check(
        reference.substring(STRICT_SCHEME.length()),
        named.isEmpty() ? Platform.LINUX_AMD64 : named.get(0));
  }

  /**
   * Builds on a child group of {@code tasks}; once the artifact is ready, the child is stopped and
   * waited for, so a speculative build nobody used is not left running (a failure stops it too).
   */
  @Override
  public CompletableFuture<Artifact> build(String reference, TaskGroup tasks) {
    String importPath =
        reference.startsWith(STRICT_SCHEME)
            ? reference.substring(STRICT_SCHEME.length())
            : reference;
    TaskGroup group = tasks.child();
    CompletableFuture<Artifact> artifact =
        group.thenCompose(
            group.fork(() -> packages.get(importPath)),
            pkg -> {
              if (pkg.dir() == null || pkg.goFiles().isEmpty()) {
                throw new UnsupportedReferenceException(
                    "package " + importPath + " contains no Go files");
              }
              BuildConfig config = packages.config(importPath);
              if (config != null) {
                log.info("Using build config " + config.id() + " for " + importPath);
              }
              Optional<BuildKeys.Keys> known =
                  platformCache == PlatformCache.NONE
                      ? Optional.empty()
                      : keys.known(reference, keyVersion);
              return new Build(reference, importPath, pkg, config, known, group).start();
            });
    return TaskGroup.succeedAfter(artifact, group::cancel);
  }

  /** The state of building one import path: its shared kodata layers and binaries. */
  private final class Build {
    private final String reference;
    private final String importPath;
    private final GoPackage pkg;
    private final byte[] capabilities;
    private final String appName;
    private final TaskGroup tasks;
    private final ConcurrentMap<String, CompletableFuture<LayerFile>> kodataLayers =
        new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Binary> binaries = new ConcurrentHashMap<>();
    private final ConcurrentMap<Path, Optional<GitSource>> sources = new ConcurrentHashMap<>();
    private final Optional<BuildKeys.Keys> cacheKeys;

    Build(
        String reference,
        String importPath,
        GoPackage pkg,
        BuildConfig config,
        Optional<BuildKeys.Keys> cacheKeys,
        TaskGroup tasks) {
      this.reference = reference;
      this.cacheKeys = cacheKeys;
      this.importPath = importPath;
      this.pkg = pkg;
      this.capabilities =
          config == null ? new byte[0] : Capabilities.xattr(config.linuxCapabilities());
      this.tasks = tasks;
      this.appName = AppLayers.appName(importPath);
    }

    CompletableFuture<Artifact> start() {
      CompletableFuture<Base> base = bases.get(importPath);
      // kodata does not depend on the base or the binary: start it now, on the common case's
      // terms. Named platforms can be compiled while the base is still being fetched, unless the
      // base decides their Go environment (linux/arm: the base's arm/v7 needs GOARM=7); a base
      // platform that needs another Go environment gets its own build later.
      var unused = kodata(false); // kept in kodataLayers; the images that use it see a failure
      // With platform keys, a platform may come from the cache: nothing is compiled on speculation.
      for (Platform wanted : matcher.concretePlatforms()) {
        if (cacheKeys.isEmpty() && Platforms.decidesGoEnvironment(wanted)) {
          binary(wanted);
        }
      }
      return base.thenCompose(
          b ->
              b.artifact() instanceof ImageIndex index
                  ? fromIndex(b, index)
                  : fromImage(b, (Image) b.artifact()).thenApply(Artifact.class::cast));
    }

    private CompletableFuture<Image> fromImage(Base base, Image image) {
      Platform effective = Platforms.ofBaseConfig(image.configFile().platform());
      if (!matcher.isAll() && !matcher.matches(effective)) {
        throw new IllegalArgumentException(
            "base image platform \""
                + effective
                + "\" does not match desired platforms "
                + matcher);
      }
      return image(
          base,
          CompletableFuture.completedFuture(image),
          image.digest(),
          effective,
          baseSboms.get(base.reference().repository(), image.digest()));
    }

    private CompletableFuture<Artifact> fromIndex(Base base, ImageIndex index) {
      List<Descriptor> matched = new ArrayList<>();
      for (Descriptor d : index.indexManifest().manifests()) {
        if (d.mediaType().isIndex()) {
          throw new IllegalArgumentException(
              "\""
                  + d.digest()
                  + "\" has unexpected mediaType \""
                  + d.mediaType()
                  + "\" in base for \""
                  + base.reference()
                  + "\"");
        }
        if (matcher.matches(d.platform())) {
          matched.add(d);
        }
      }
      if (matched.isEmpty()) {
        throw new IllegalArgumentException(
            "no matching platforms in base image index "
                + base.reference()
                + " for "
                + matcher
                + " (it has "
                + describePlatforms(index)
                + ")");
      }
      List<CompletableFuture<Image>> images = new ArrayList<>();
      List<CompletableFuture<Compiled>> binaries = new ArrayList<>();
      for (Descriptor d : matched) {
        CompletableFuture<Image> child = tasks.fork(() -> childImage(index, d));
        Platform platform = platformOf(d);
        // With provenance every platform is built: the index's provenance needs each go build
        // of this run (a per-platform entry records no go build; a whole hit brings the provenance
        // recorded with it).
        boolean provenance = options.supplyChain().provenance();
        Optional<String> key =
            matched.size() > 1 && !provenance
                ? cacheKeys.flatMap(k -> k.platform(d.digest(), platform))
                : Optional.empty();
        if (key.isPresent()) {
          AtomicBoolean built = new AtomicBoolean();
          images.add(
              tasks.then(
                  platformCache.image(
                      reference,
                      platform,
                      key.get(),
                      () -> {
                        built.set(true);
                        return image(
                            base,
                            child,
                            d.digest(),
                            platform,
                            baseSboms.get(base.reference().repository(), d.digest()));
                      },
                      tasks),
                  image -> {
                    if (!built.get()) {
                      // A hit's --sbom-dir file, which a build writes as it attaches the SBOM.
                      sboms.writeFiles(image, appName, platform);
                    }
                    return image;
                  }));
        } else {
          images.add(
              image(
                  base,
                  child,
                  d.digest(),
                  platform,
                  baseSboms.get(base.reference().repository(), d.digest())));
        }
        if (provenance) {
          binaries.add(use(platform));
        }
      }
      if (matched.size() == 1) {
        return images.get(0).thenApply(Artifact.class::cast);
      }
      CompletableFuture<Optional<BaseSbom>> indexSbom =
          baseSboms.get(base.reference().repository(), index.digest());
      CompletableFuture<List<Image>> built = TaskGroup.all(images);
      // The first failure ends the build at once; the caller stops the other platforms.
      return tasks.then(
          TaskGroup.all(List.of(built, indexSbom)),
          ready ->
              assembly.index(
                  reference,
                  appName,
                  base,
                  index,
                  matched,
                  built.join(),
                  binaries.stream().map(CompletableFuture::join).toList(),
                  source(),
                  indexSbom.join()));
    }

    /** One platform's image, once its base, kodata layer and binary are ready. */
    private CompletableFuture<Image> image(
        Base base,
        CompletableFuture<Image> baseImage,
        Digest baseDigest,
        Platform platform,
        CompletableFuture<Optional<BaseSbom>> baseSbom) {
      boolean windows = platform.os().equals("windows");
      CompletableFuture<LayerFile> kodata = kodata(windows);
      CompletableFuture<Compiled> binary = use(platform);
      // A failed go build ends the image at once, whether or not the base and kodata are ready.
      return tasks.then(
          TaskGroup.all(List.of(binary, kodata, baseImage, baseSbom)),
          ready ->
              assembly.image(
                  reference,
                  appName,
                  base,
                  baseImage.join(),
                  baseDigest,
                  platform,
                  kodata.join(),
                  binary.join(),
                  source(),
                  baseSbom.join()));
    }

    /** The package's git source, read once, and only for provenance or source annotations. */
    private Optional<GitSource> source() {
      SupplyChain s = options.supplyChain();
      if (!s.provenance() && !s.sourceAnnotations()) {
        return Optional.empty();
      }
      return sources.computeIfAbsent(pkg.dir(), d -> GitSource.read(d, options.environment()));
    }

    /**
     * The kodata layer as an OCI layer (retyped for Docker bases), built once per OS family and
     * reused from the cache while its files are unchanged.
     */
    CompletableFuture<LayerFile> kodata(boolean windows) {
      return kodataLayers.computeIfAbsent(
          windows ? "windows" : "other",
          k ->
              tasks.fork(
                  () -> {
                    Path kodataDir = pkg.dir().resolve("kodata");
                    Path root = AppLayers.allowedRoot(kodataDir, options.kodataAllowedRoot());
                    long mtime =
                        options.kodataCreationTime() == null
                            ? 0
                            : options.kodataCreationTime().epochSecond();
                    List<AppLayers.KodataEntry> entries =
                        AppLayers.scanKodata(
                            kodataDir,
                            root,
                            windows,
                            name -> log.info("skipping symlink in kodata for windows: " + name));
                    return kodataCache.get(
                        kodataDir,
                        entries,
                        windows,
                        mtime,
                        tasks,
                        Runtime.getRuntime().availableProcessors(),
                        layerSinks.forImportPath(importPath));
                  }));
    }

    /**
     * The binary for a platform's Go environment, compiled once however many platforms share it.
     * Started early on speculation, it stays silent until {@link #use} asks for it.
     */
    Binary binary(Platform platform) {
      return binaries.computeIfAbsent(
          Platforms.buildKey(platform),
          key ->
              new Binary(
                  compiler.compile(tasks, importPath, platform, key, appName, capabilities)));
    }

    /**
     * The compiled binary for an image: says that it is being built (once per binary) and shows
     * go's error output if it failed, which a speculative build nobody used never does.
     */
    CompletableFuture<Compiled> use(Platform platform) {
      Binary binary = binary(platform);
      if (binary.announced.compareAndSet(false, true)) {
        log.info("Building " + importPath + " for " + platform);
        // Registered for its effect; binary.result itself is what the caller gets.
        var unused =
            binary.result.whenComplete(
                (c, e) -> {
                  if (Futures.cause(e) instanceof GoCommandException g && !g.output().isBlank()) {
                    log.info(g.output());
                  }
                });
      }
      return binary.result;
    }
  }

  private static String describePlatforms(ImageIndex index) {
    List<String> ps = new ArrayList<>();
    for (Descriptor d : index.indexManifest().manifests()) {
      ps.add(d.platform() == null ? "(none)" : d.platform().toString());
    }
    return String.join(", ", ps);
  }

  private static Platform platformOf(Descriptor d) {
    return d.platform() == null ? Platform.LINUX_AMD64 : d.platform();
  }

  private static Image childImage(ImageIndex index, Descriptor d) throws IOException {
    Artifact child = index.child(d);
    if (!(child instanceof Image image)) {
      throw new IllegalArgumentException(
          "\"" + d.digest() + "\" has unexpected mediaType \"" + child.mediaType() + "\"");
    }
    return image;
  }

  /** A binary being compiled, and whether a build that needs it has said so. */
  private static final class Binary {
    final CompletableFuture<Compiled> result;
    final AtomicBoolean announced = new AtomicBoolean();

    Binary(CompletableFuture<Compiled> result) {
      this.result = result;
    }
  }
}
