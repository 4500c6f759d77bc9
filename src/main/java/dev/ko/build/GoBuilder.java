package dev.ko.build;

import dev.ko.build.BaseImages.Base;
import dev.ko.concurrent.Futures;
import dev.ko.log.Log;
import dev.ko.oci.Annotations;
import dev.ko.oci.Artifact;
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
import dev.ko.sbom.SbomAttacher;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * ko's Go builder: one {@code go build} per platform (in parallel, at most {@code jobs} at once),
 * each binary and the package's kodata layered onto the matching base image.
 */
public final class GoBuilder implements Builder {
  static final String AUTHOR = "github.com/ko-build/ko";

  private final BuildOptions options;
  private final GoToolchain go;
  private final BaseImages bases;
  private final ExecutorService executor;
  private final Log log;
  private final PlatformMatcher matcher;
  private final Semaphore goBuilds;
  private final BinaryLayerCache binaryLayers;
  private final SbomAttacher sboms;
  private final BuildConfigs configs;
  private final ConcurrentMap<String, GoPackage> packages = new ConcurrentHashMap<>();

  /** Where a local import path was qualified: go list and go build for it run there. */
  private final ConcurrentMap<String, Path> qualifiedIn = new ConcurrentHashMap<>();

  private final ConcurrentMap<Path, ReentrantLock> outputLocks = new ConcurrentHashMap<>();
  private final ConcurrentMap<Path, GitInfo> gitInfos = new ConcurrentHashMap<>();
  private final ConcurrentMap<List<Object>, Map<String, String>> goEnvs = new ConcurrentHashMap<>();

  /**
   * The builder for resolved options: starts fetching the default base image, then matches the
   * build configs to their main packages with {@code go list} while it downloads.
   *
   * @param fetcher pulls base images
   * @throws IllegalArgumentException for a build config {@code go list} cannot match
   */
  public static GoBuilder start(
      BuildOptions options,
      GoToolchain go,
      BaseImages.Fetcher fetcher,
      ExecutorService executor,
      Log log)
      throws IOException {
    BaseImages bases = new BaseImages(fetcher, options, executor, log);
    bases.prefetchDefault();
    List<BuildConfig> matched =
        BuildConfigs.resolve(
            options.workingDirectory(), options.buildConfigs(), go, options.environment());
    return new GoBuilder(options.withBuildConfigs(matched), go, bases, executor, log);
  }

  /**
   * A builder for options whose build configs are matched already ({@link BuildConfigs#resolve}).
   */
  public GoBuilder(
      BuildOptions options, GoToolchain go, BaseImages bases, ExecutorService executor, Log log) {
    this.options = options;
    this.go = go;
    this.bases = bases;
    this.executor = executor;
    this.log = log;
    this.matcher = new PlatformMatcher(options.platforms());
    this.goBuilds = new Semaphore(options.jobs());
    this.binaryLayers = new BinaryLayerCache();
    this.sboms = new SbomAttacher(options.sbom(), options.workingDirectory(), log);
    this.configs = new BuildConfigs(options.workingDirectory(), options.buildConfigs());
    for (BuildConfig c : configs.all()) {
      if (c.mainPackage() != null) {
        packages.put(c.importPath(), c.mainPackage()); // listed when the config was read
      }
    }
  }

  // ------------------------------------------------------------ qualify and check

  @Override
  public String qualifyImport(String importPath) throws IOException {
    String path = importPath;
    if (isLocal(path)) {
      GoPackage p = qualifyLocal(path);
      log.debug("go list " + path + " done");
      packages.put(p.importPath(), p);
      path = p.importPath();
    }
    return path.startsWith(STRICT_SCHEME) ? path : STRICT_SCHEME + path;
  }

  /**
   * Like ko's builder dispatch: each build config whose {@code dir} contains the path gets to
   * qualify it in that directory first (so a config's own module resolves it), then the working
   * directory does.
   */
  private GoPackage qualifyLocal(String path) throws IOException {
    Map<Path, String> candidates = new LinkedHashMap<>();
    for (BuildConfig c : configs.all()) {
      try {
        candidates.putIfAbsent(configs.directory(c), BuildConfigs.relativePath(c.dir(), path));
      } catch (IllegalArgumentException e) {
        // not under this config's directory: try the next
      }
    }
    candidates.remove(options.workingDirectory().normalize());
    for (Map.Entry<Path, String> c : candidates.entrySet()) {
      GoPackage known = listedWithConfigs(c.getKey(), c.getValue());
      if (known != null) {
        qualifiedIn.put(known.importPath(), c.getKey());
        return known;
      }
      List<GoPackage> found;
      try {
        found = go.list(c.getKey(), options.environment(), List.of(c.getValue()));
      } catch (GoCommandException e) {
        continue; // e.g. the config's dir is no module: the working directory may still qualify it
      }
      if (found.size() == 1 && found.get(0).error().isEmpty()) {
        qualifiedIn.put(found.get(0).importPath(), c.getKey());
        return found.get(0);
      }
    }
    GoPackage known = listedWithConfigs(options.workingDirectory().normalize(), path);
    if (known != null) {
      return known;
    }
    List<GoPackage> found =
        go.list(options.workingDirectory(), options.environment(), List.of(path));
    if (found.size() != 1) {
      throw new UnsupportedReferenceException(
          "qualifying local import "
              + path
              + ": go list in "
              + options.workingDirectory()
              + " found "
              + found.size()
              + " packages, expected 1");
    }
    GoPackage p = found.get(0);
    if (!p.error().isEmpty()) {
      throw new UnsupportedReferenceException("qualifying local import " + path + ": " + p.error());
    }
    return p;
  }

  /**
   * The main package of a build config listed in {@code dir} (when the config was read) that a
   * local path relative to {@code dir} names: what {@code go list} there would say again.
   */
  private GoPackage listedWithConfigs(Path dir, String relativePath) {
    Path target = dir.resolve(relativePath).normalize();
    for (BuildConfig c : configs.all()) {
      GoPackage p = c.mainPackage();
      if (p != null
          && p.error().isEmpty()
          && p.dir() != null
          && configs.directory(c).equals(dir)
          && BuildConfigs.sameDirectory(p.dir(), target)) {
        return p;
      }
    }
    return null;
  }

  /** Where go runs for an import path: its build config's dir, else where it was qualified. */
  private Path directoryFor(String importPath) {
    BuildConfig c = configs.forImportPath(importPath);
    if (c != null) {
      return configs.directory(c);
    }
    return qualifiedIn.getOrDefault(importPath, options.workingDirectory());
  }

  static boolean isLocal(String path) {
    return path.equals(".") || path.equals("..") || path.startsWith("./") || path.startsWith("../");
  }

  @Override
  public void checkSupported(String reference) throws IOException {
    if (!reference.startsWith(STRICT_SCHEME)) {
      throw new UnsupportedReferenceException("importpath does not start with ko://");
    }
    GoPackage p = goPackage(reference.substring(STRICT_SCHEME.length()));
    if (!p.error().isEmpty()) {
      throw new UnsupportedReferenceException(p.error());
    }
    if (!p.name().equals("main")) {
      throw new UnsupportedReferenceException("importpath is not `package main`");
    }
    checkTemplates(p.importPath());
  }

  /**
   * Renders the import path's flag and ldflag templates once for the first wanted platform, so a
   * missing key stops the run before anything is built.
   */
  private void checkTemplates(String importPath) throws IOException {
    BuildConfig config = configs.forImportPath(importPath);
    List<Platform> named = matcher.concretePlatforms();
    Platform platform = named.isEmpty() ? Platform.LINUX_AMD64 : named.get(0);
    flags(config, directoryFor(importPath), BuildSettings.environment(options, config, platform));
  }

  /**
   * The rendered {@code go build} flags; a failing {@code go env} behind a template is rethrown as
   * is.
   */
  private List<String> flags(BuildConfig config, Path dir, Map<String, String> env)
      throws IOException {
    try {
      return BuildSettings.flags(options, config, templateData(dir, env));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private GoPackage goPackage(String importPath) throws IOException {
    GoPackage cached = packages.get(importPath);
    if (cached != null) {
      return cached;
    }
    Path dir = directoryFor(importPath);
    List<GoPackage> found = go.list(dir, options.environment(), List.of(importPath));
    if (found.size() != 1) {
      throw new UnsupportedReferenceException(
          "go list "
              + importPath
              + " in "
              + dir
              + " found "
              + found.size()
              + " packages, expected 1");
    }
    packages.put(importPath, found.get(0));
    return found.get(0);
  }

  // ------------------------------------------------------------ build

  @Override
  public Artifact build(String reference) throws IOException {
    String importPath =
        reference.startsWith(STRICT_SCHEME)
            ? reference.substring(STRICT_SCHEME.length())
            : reference;
    GoPackage pkg = goPackage(importPath);
    if (pkg.dir() == null || pkg.goFiles().isEmpty()) {
      throw new UnsupportedReferenceException("package " + importPath + " contains no Go files");
    }
    BuildConfig config = configs.forImportPath(importPath);
    if (config != null) {
      log.info("Using build config " + config.id() + " for " + importPath);
    }
    TaskGroup tasks = new TaskGroup(executor);
    Artifact artifact;
    try {
      artifact = build(new Build(reference, importPath, pkg, config, tasks));
    } catch (IOException | RuntimeException | Error e) {
      // Stops what still runs; the build's own failure stays the one reported.
      try {
        tasks.cancelAndWait();
      } catch (IOException stopping) {
        e.addSuppressed(stopping);
      }
      throw e;
    }
    tasks.cancelAndWait(); // only unused speculative builds remain
    return artifact;
  }

  private Artifact build(Build b) throws IOException {
    String importPath = b.importPath;
    CompletableFuture<Base> baseFuture = b.tasks.submit(() -> bases.get(importPath));
    // kodata does not depend on the base or the binary: start it now, on the common case's terms.
    b.kodata(false);
    // Named platforms can be compiled while the base is still being fetched, unless the base
    // decides
    // their Go environment (linux/arm: the base's arm/v7 needs GOARM=7); a base platform that needs
    // another Go environment gets its own build later.
    for (Platform wanted : matcher.concretePlatforms()) {
      if (Platforms.decidesGoEnvironment(wanted)) {
        b.binary(wanted);
      }
    }
    Base base = Futures.join(baseFuture);
    if (base.artifact() instanceof ImageIndex index) {
      return buildFromIndex(b, base, index);
    }
    Image image = (Image) base.artifact();
    Platform platform = image.configFile().platform();
    Platform effective =
        platform == null
            ? Platform.LINUX_AMD64
            : new Platform(
                platform.os().isEmpty() ? "linux" : platform.os(),
                platform.architecture().isEmpty() ? "amd64" : platform.architecture(),
                platform.variant(),
                platform.osVersion(),
                platform.osFeatures(),
                List.of());
    if (!matcher.isAll() && !matcher.matches(effective)) {
      throw new IllegalArgumentException(
          "base image platform \"" + effective + "\" does not match desired platforms " + matcher);
    }
    return b.image(base, image, image.digest(), effective);
  }

  private Artifact buildFromIndex(Build b, Base base, ImageIndex index) throws IOException {
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
    if (matched.size() == 1) {
      Descriptor d = matched.get(0);
      return b.image(base, childImage(index, d), d.digest(), platformOf(d));
    }
    List<CompletableFuture<Image>> futures = new ArrayList<>();
    for (Descriptor d : matched) {
      futures.add(
          b.tasks.submit(() -> b.image(base, childImage(index, d), d.digest(), platformOf(d))));
    }
    // The first failure ends the build at once; the caller stops the other platforms.
    List<Image> images = TaskGroup.joinAll(futures);
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
    annotations.put(Annotations.BASE_DIGEST, index.digest().toString());
    return sboms.attach(
        BuiltIndex.of(
            new IndexManifest(2, index.mediaType(), descriptors, annotations, null), images),
        b.appName);
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

  /** The state of building one import path: its package and shared kodata layers. */
  private final class Build {
    private final String reference;
    private final String importPath;
    private final GoPackage pkg;
    private final BuildConfig config;
    private final Path dir;
    private final byte[] capabilities;
    private final String appName;
    private final TaskGroup tasks;
    private final ConcurrentMap<String, CompletableFuture<LayerFile>> kodataLayers =
        new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Binary> binaries = new ConcurrentHashMap<>();

    Build(String reference, String importPath, GoPackage pkg, BuildConfig config, TaskGroup tasks) {
      this.reference = reference;
      this.importPath = importPath;
      this.pkg = pkg;
      this.config = config;
      this.dir = directoryFor(importPath);
      this.capabilities =
          config == null ? new byte[0] : Capabilities.xattr(config.linuxCapabilities());
      this.tasks = tasks;
      this.appName = AppLayers.appName(importPath);
    }

    /** The kodata layer as an OCI layer (retyped for Docker bases), built once per OS family. */
    CompletableFuture<LayerFile> kodata(boolean windows) {
      return kodataLayers.computeIfAbsent(
          windows ? "windows" : "other",
          k ->
              tasks.submit(
                  () -> {
                    Path kodataDir = pkg.dir().resolve("kodata");
                    Path root = AppLayers.allowedRoot(kodataDir, options.kodataAllowedRoot());
                    long mtime =
                        options.kodataCreationTime() == null
                            ? 0
                            : options.kodataCreationTime().epochSecond();
                    Path target =
                        Files.createTempFile(options.tempDirectory(), "kodata-", ".tar.gz");
                    return AppLayers.kodata(
                        target,
                        MediaType.OCI_LAYER,
                        kodataDir,
                        root,
                        windows,
                        mtime,
                        name -> log.info("skipping symlink in kodata for windows: " + name));
                  }));
    }

    private String appPath(boolean windows) {
      return windows ? "C:\\ko-app\\" + appName : AppLayers.APP_DIR + "/" + appName;
    }

    /**
     * The binary for a platform's Go environment, compiled once however many platforms share it.
     * Started early on speculation, it stays silent until {@link #use} asks for it.
     */
    Binary binary(Platform platform) {
      return binaries.computeIfAbsent(
          Platforms.buildKey(platform),
          key -> new Binary(tasks.submit(() -> compile(platform, key))));
    }

    /**
     * The compiled binary for an image: says that it is being built (once per binary) and shows
     * go's error output if it failed, which a speculative build nobody used never does.
     */
    Compiled use(Platform platform) throws IOException {
      Binary binary = binary(platform);
      if (binary.announced.compareAndSet(false, true)) {
        log.info("Building " + importPath + " for " + platform);
      }
      try {
        return Futures.join(binary.result);
      } catch (GoCommandException e) {
        if (!e.output().isBlank() && binary.outputShown.compareAndSet(false, true)) {
          log.info(e.output());
        }
        throw e;
      }
    }

    Image image(Base base, Image baseImage, Digest baseDigest, Platform platform)
        throws IOException {
      boolean windows = platform.os().equals("windows");
      MediaType layerType =
          baseImage.mediaType().equals(MediaType.DOCKER_MANIFEST)
              ? MediaType.DOCKER_LAYER
              : MediaType.OCI_LAYER;
      CompletableFuture<LayerFile> kodataFuture = kodata(windows);
      String appPath = appPath(windows);
      Compiled compiled = use(platform);
      LayerFile binaryLayer = compiled.layer().withMediaType(layerType);
      LayerFile kodataLayer = Futures.join(kodataFuture).withMediaType(layerType);

      GoTime binaryTime = options.creationTime() == null ? GoTime.ZERO : options.creationTime();
      GoTime kodataTime =
          options.kodataCreationTime() == null ? GoTime.ZERO : options.kodataCreationTime();
      List<Mutate.Addition> additions =
          List.of(
              new Mutate.Addition(
                  kodataLayer,
                  new History(
                      "ko",
                      kodataTime,
                      "ko build " + reference,
                      "kodata contents, at $KO_DATA_PATH",
                      false)),
              new Mutate.Addition(
                  binaryLayer,
                  new History(
                      "ko",
                      binaryTime,
                      "ko build " + reference,
                      "go build output, at " + AppLayers.APP_DIR + "/" + appName,
                      false)));
      SortedMap<String, String> annotations = options.annotations();
      annotations.put(Annotations.BASE_NAME, base.reference().name());
      annotations.put(Annotations.BASE_DIGEST, baseDigest.toString());
      Image image =
          Mutate.append(baseImage, additions, cfg -> configure(cfg, appPath, windows), annotations);
      return sboms.attach(image, compiled.versionM(), appName, platform);
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

    /**
     * Runs go build into this import path's persistent output for the platform (so an unchanged
     * package links nothing) and layers the binary (and reads its module list, for the SBOM) while
     * the output is locked against other builds. Only {@code go build} itself takes one of the
     * {@code -j} slots.
     */
    private Compiled compile(Platform platform, String buildKey) throws IOException {
      boolean windows = platform.os().equals("windows");
      Path outDir = options.cacheDirectory().resolve("bin").resolve(importPath).resolve(buildKey);
      Files.createDirectories(outDir);
      Path out = outDir.resolve("out");
      Map<String, String> env = BuildSettings.environment(options, config, platform);
      List<String> args = new ArrayList<>(flags(config, dir, env));
      args.add("-o");
      args.add(out.toString());
      args.add(importPath);
      ReentrantLock local = outputLocks.computeIfAbsent(outDir, p -> new ReentrantLock());
      try {
        local.lockInterruptibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for " + outDir);
      }
      try (FileChannel lockFile =
              FileChannel.open(
                  outDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock ignored = lockFile.lock()) {
        acquire(goBuilds);
        try {
          go.build(dir, env, args);
        } catch (GoCommandException e) {
          throw new GoCommandException(
              "building " + importPath + " for " + platform + ": " + e.getMessage(), e.output());
        } finally {
          goBuilds.release();
        }
        log.debug("go build " + importPath + " for " + platform + " done");
        String appPath = appPath(windows);
        BinaryLayerCache.Entry entry =
            binaryLayers.get(
                out,
                appName,
                windows,
                capabilities,
                sboms.enabled()
                    ? () -> SbomAttacher.inImagePath(versionM(out), out.toString(), appPath)
                    : null);
        log.debug("binary layer " + entry.layer().digest() + " ready");
        return new Compiled(entry.layer(), entry.versionM());
      } finally {
        local.unlock();
      }
    }

    private String versionM(Path binary) throws IOException {
      Optional<String> read = GoBuildInfoReader.versionM(binary);
      return read.isPresent() ? read.get() : go.versionM(binary, options.environment());
    }
  }

  /** A binary being compiled, and whether a build that needs it has said so. */
  private static final class Binary {
    final CompletableFuture<Compiled> result;
    final AtomicBoolean announced = new AtomicBoolean();
    final AtomicBoolean outputShown = new AtomicBoolean();

    Binary(CompletableFuture<Compiled> result) {
      this.result = result;
    }
  }

  /** A built binary's layer and its {@code go version -m} output (empty when SBOMs are off). */
  private record Compiled(LayerFile layer, String versionM) {}

  /**
   * Template data for a build in {@code dir}; git and go env are read once per run and directory.
   */
  private Map<String, Object> templateData(Path dir, Map<String, String> env) {
    return BuildSettings.templateData(
        env,
        () ->
            goEnvs.computeIfAbsent(
                List.of(dir, env),
                k -> {
                  try {
                    return go.env(dir, env);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                }),
        () -> gitInfos.computeIfAbsent(dir, d -> GitInfo.read(d, options.environment(), log)),
        options.creationTime(),
        options.zone());
  }

  // ------------------------------------------------------------ concurrency helpers

  private static void acquire(Semaphore s) throws InterruptedIOException {
    try {
      s.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a build slot");
    }
  }
}
