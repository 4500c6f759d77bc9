package dev.ko.cli;

import dev.ko.build.BaseImages;
import dev.ko.build.BuildConfig;
import dev.ko.build.BuildConfigs;
import dev.ko.build.BuildOptions;
import dev.ko.build.Builder;
import dev.ko.build.GoBuilder;
import dev.ko.build.GoToolchain;
import dev.ko.build.ProcessGoToolchain;
import dev.ko.config.Env;
import dev.ko.config.EnvironmentOptions;
import dev.ko.config.KoConfig;
import dev.ko.log.Log;
import dev.ko.name.BadNameException;
import dev.ko.name.Registry;
import dev.ko.name.Repository;
import dev.ko.name.Tag;
import dev.ko.oci.GoTime;
import dev.ko.oci.Platform;
import dev.ko.process.ExternalCommand;
import dev.ko.publish.CachingPublisher;
import dev.ko.publish.DockerEngine;
import dev.ko.publish.KindNodes;
import dev.ko.publish.LayoutPublisher;
import dev.ko.publish.LocalImages;
import dev.ko.publish.LocalPublisher;
import dev.ko.publish.MultiPublisher;
import dev.ko.publish.Namer;
import dev.ko.publish.NoopPublisher;
import dev.ko.publish.Publisher;
import dev.ko.publish.RecordingPublisher;
import dev.ko.publish.RegistryPublisher;
import dev.ko.publish.TarballPublisher;
import dev.ko.registry.DockerConfigKeychain;
import dev.ko.registry.GitHubKeychain;
import dev.ko.registry.HttpTransport;
import dev.ko.registry.Keychain;
import dev.ko.registry.RegistryClient;
import dev.ko.registry.TrustRoots;
import dev.ko.registry.TrustStores;
import dev.ko.sbom.SbomOptions;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one place where the program's parts are composed: options from flags and environment, the
 * registry client, the builder and the publisher. Owns the run's thread pool and scratch directory.
 */
final class Wiring implements AutoCloseable {
  private static final String LOCAL_DOMAIN = "ko.local";
  private static final String KIND_DOMAIN = "kind.local";
  private static final Duration TERMINATION_WAIT = Duration.ofSeconds(5);

  private final Env env;
  private final Path workingDirectory;
  private final Log log;
  private final ExecutorService executor;
  private Path tempDirectory;
  private RegistryClient registryClient;
  private BaseImages bases;

  Wiring(Env env, Path workingDirectory, Log log) {
    this.env = env;
    this.workingDirectory = workingDirectory;
    this.log = log;
    AtomicInteger n = new AtomicInteger();
    this.executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "ko-worker-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  Log log() {
    return log;
  }

  ExecutorService executor() {
    return executor;
  }

  // ------------------------------------------------------------ options

  /**
   * The build options, each from the first place that sets it: flags, then {@code KO_*} variables,
   * then {@code .ko.yaml}, then defaults. Everything is checked here, before anything is built.
   */
  BuildOptions buildOptions(BuildFlags flags, PublishFlags publish) throws IOException {
    rejectUnimplemented(flags);
    Map<String, String> labels = keyValues(flags.imageLabels, "invalid label flag: ");
    Map<String, String> annotations =
        keyValues(flags.imageAnnotations, "missing '=' in annotation: ");
    GoTime created = epoch("SOURCE_DATE_EPOCH");
    GoTime kodataCreated = epoch("KO_DATA_DATE_EPOCH");
    KoConfig config = KoConfig.load(workingDirectory, env, log);
    String defaultBase =
        config.defaultBaseImage().isEmpty()
            ? BuildOptions.DEFAULT_BASE_IMAGE
            : config.defaultBaseImage();
    bases =
        new BaseImages(
            ref -> registryClient().pull(ref),
            defaultBase,
            config.baseImageOverrides(),
            publish.insecureRegistry,
            executor,
            log);
    bases.prefetchDefault(); // while go list matches the build configs below
    List<BuildConfig> builds =
        BuildConfigs.resolve(workingDirectory, buildConfigs(config), goToolchain(), env.asMap());
    Map<String, String> origins = new LinkedHashMap<>();
    for (String key :
        List.of(KoConfig.DEFAULT_ENV, KoConfig.DEFAULT_FLAGS, KoConfig.DEFAULT_LDFLAGS)) {
      origins.put(key, config.where(key));
    }
    origins.put("ldflags", "--ldflags");
    return BuildOptions.builder(workingDirectory, cacheDirectory(), tempDirectory())
        .defaultBaseImage(defaultBase)
        .baseImageOverrides(config.baseImageOverrides())
        .platforms(flags.platforms.isEmpty() ? config.defaultPlatforms() : flags.platforms)
        .environment(env.asMap())
        .defaultEnv(config.defaultEnv())
        .defaultFlags(config.defaultFlags())
        .defaultLdflags(config.defaultLdflags())
        .ldflags(flags.ldflags)
        .buildConfigs(builds)
        .origins(origins)
        .creationTime(created)
        .kodataCreationTime(kodataCreated)
        .labels(labels)
        .annotations(annotations)
        .user(flags.imageUser)
        .jobs(flags.jobs > 0 ? flags.jobs : Runtime.getRuntime().availableProcessors())
        .disableOptimizations(flags.disableOptimizations)
        .insecureRegistry(publish.insecureRegistry)
        .sbom(SbomOptions.fromFlags(flags.sbom, flags.sbomDir, Version.get()))
        .build();
  }

  private static List<BuildConfig> buildConfigs(KoConfig config) {
    List<BuildConfig> out = new ArrayList<>();
    for (KoConfig.Build b : config.builds()) {
      out.add(
          new BuildConfig(
              b.id(),
              b.dir(),
              b.main(),
              b.env(),
              b.flags(),
              b.ldflags(),
              b.linuxCapabilities(),
              b.origins(),
              null));
    }
    return out;
  }

  private static void rejectUnimplemented(BuildFlags flags) {
    if (flags.debug) {
      throw new IllegalArgumentException("--debug is not supported by this version of ko-jvm");
    }
  }

  private static Map<String, String> keyValues(List<String> items, String error) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String item : items) {
      int eq = item.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException(error + item);
      }
      out.put(item.substring(0, eq), item.substring(eq + 1));
    }
    return out;
  }

  private GoTime epoch(String variable) {
    String value = env.get(variable);
    if (value.isEmpty()) {
      return null;
    }
    try {
      return GoTime.ofEpochSecond(Long.parseLong(value), env.zone());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "the environment variable "
              + variable
              + " should be the number of seconds since January 1st 1970, 00:00 UTC, got: \""
              + value
              + "\"");
    }
  }

  private Path cacheDirectory() throws IOException {
    Path dir = env.cacheDirectory();
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "KOCACHE should be a directory, " + dir + " is not a directory");
    }
    Files.createDirectories(dir);
    return dir;
  }

  private synchronized Path tempDirectory() throws IOException {
    if (tempDirectory == null) {
      tempDirectory = Files.createTempDirectory("ko-jvm-");
    }
    return tempDirectory;
  }

  // ------------------------------------------------------------ parts

  synchronized RegistryClient registryClient() {
    if (registryClient == null) {
      TrustRoots roots = EnvironmentOptions.trustRoots(env);
      HttpTransport transport =
          new HttpTransport(() -> TrustStores.verified(roots), TrustStores::unverified);
      registryClient =
          new RegistryClient(
              transport,
              Keychain.firstOf(
                  new DockerConfigKeychain(EnvironmentOptions.keychainSources(env)),
                  new GitHubKeychain(EnvironmentOptions.gitHubToken(env))),
              Version.userAgent(),
              log,
              Duration.ofSeconds(1));
    }
    return registryClient;
  }

  Builder builder(BuildOptions options) {
    if (bases == null) {
      bases = new BaseImages(ref -> registryClient().pull(ref), options, executor, log);
      bases.prefetchDefault();
    }
    return new GoBuilder(options, goToolchain(), bases, executor, log);
  }

  /** {@code go} from {@code KO_GO_PATH}, else from PATH. */
  private GoToolchain goToolchain() {
    return new ProcessGoToolchain(env.isSet("KO_GO_PATH") ? env.get("KO_GO_PATH") : "go");
  }

  /**
   * The publisher for the flags and {@code KO_DOCKER_REPO}, validated before anything is built,
   * chosen as ko does: the local Docker engine ({@code --local} or {@code ko.local}), else kind
   * nodes ({@code kind.local}), else the OCI layout, the tarball and the registry, in that order,
   * whichever are asked for; recorded for {@code --image-refs}; each result published once.
   */
  Publisher publisher(PublishFlags flags, int jobs) throws IOException {
    String repo = env.get("KO_DOCKER_REPO");
    Namer namer = Namer.select(flags.preserveImportPaths, flags.baseImportPaths, flags.bare);
    if (flags.bare && flags.baseImportPaths) {
      log.info(
          "WARNING! --base-import-paths will take precedence and ignore --bare flag. "
              + "In a future release this will be an error.");
    }
    List<String> tags = flags.uniqueTags();
    for (String tag : tags) {
      try {
        Tag.parse("ko.invalid/tag-check:" + tag);
      } catch (BadNameException e) {
        throw new IllegalArgumentException("invalid tag \"" + tag + "\": " + e.getMessage(), e);
      }
    }
    Publisher publisher;
    if (flags.local || repo.startsWith(LOCAL_DOMAIN)) {
      if (flags.local && repo.contains(LOCAL_DOMAIN)) {
        log.info("WARNING! The --local flag might be deprecated in the future.");
      }
      DockerEngine engine =
          DockerEngine.fromDockerHost(env.get("DOCKER_HOST"), env.isSet("DOCKER_TLS_VERIFY"));
      publisher =
          new LocalPublisher(
              engine, repo.isEmpty() ? LOCAL_DOMAIN : repo, namer, tags, localPlatform(), log);
    } else if (repo.startsWith(KIND_DOMAIN)) {
      String provider =
          env.get("KIND_EXPERIMENTAL_PROVIDER").equals("podman") ? "podman" : "docker";
      KindNodes nodes =
          new KindNodes(new ExternalCommand(provider, env.asMap()), env.get("KIND_CLUSTER_NAME"));
      publisher = new LocalPublisher(nodes, repo, namer, tags, localPlatform(), log);
    } else {
      List<Publisher> destinations = new ArrayList<>();
      if (!flags.ociLayoutPath.isEmpty()) {
        destinations.add(
            new LayoutPublisher(
                flags.ociLayoutPath, workingDirectory.resolve(flags.ociLayoutPath), log));
      }
      if (!flags.tarball.isEmpty()) {
        destinations.add(
            new TarballPublisher(
                workingDirectory.resolve(flags.tarball), repo, namer, tags, localPlatform(), log));
      }
      if (flags.push) {
        destinations.add(registryPublisher(repo, namer, tags, flags, jobs));
      }
      if (destinations.isEmpty()) {
        publisher = new NoopPublisher(repo, namer, tags, flags.tagOnly);
      } else {
        publisher =
            destinations.size() == 1 ? destinations.get(0) : new MultiPublisher(destinations);
      }
    }
    if (!flags.imageRefs.isEmpty()) {
      publisher = new RecordingPublisher(publisher, workingDirectory.resolve(flags.imageRefs));
    }
    return new CachingPublisher(publisher);
  }

  /** The one platform saved or loaded locally: {@code $GOOS/$GOARCH}, as in ko. */
  private Platform localPlatform() {
    return LocalImages.target(env.get("GOOS"), env.get("GOARCH"));
  }

  private Publisher registryPublisher(
      String repo, Namer namer, List<String> tags, PublishFlags flags, int jobs) {
    if (repo.isEmpty()) {
      throw new IllegalArgumentException("KO_DOCKER_REPO environment variable is unset");
    }
    Registry registry = parseDockerRepo(repo, flags.insecureRegistry);
    Optional<Repository> sbomRepository = cosignRepository(flags.insecureRegistry);
    registryClient().warmUp(registry, executor);
    return new RegistryPublisher(
        registryClient(),
        repo,
        namer,
        tags,
        flags.tagOnly,
        flags.insecureRegistry,
        sbomRepository,
        jobs,
        executor,
        log);
  }

  /** Where SBOMs go instead of next to their image, as cosign reads {@code COSIGN_REPOSITORY}. */
  private Optional<Repository> cosignRepository(boolean insecure) {
    String value = env.get("COSIGN_REPOSITORY");
    if (value.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Repository.parse(value, insecure));
    } catch (BadNameException e) {
      throw new IllegalArgumentException(
          "failed to parse COSIGN_REPOSITORY \"" + value + "\" as repository: " + e.getMessage(),
          e);
    }
  }

  /** KO_DOCKER_REPO is a registry or a repository, as in ko. */
  static Registry parseDockerRepo(String repo, boolean insecure) {
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

  // ------------------------------------------------------------ lifecycle

  /**
   * Stops the run's tasks (interrupting builds and uploads that a failure left running) and waits a
   * moment for them to end, so none still writes into the scratch directory as it is deleted.
   */
  @Override
  public void close() {
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(TERMINATION_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.debug("some tasks did not stop within " + TERMINATION_WAIT.toSeconds() + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (tempDirectory != null) {
      try {
        deleteTree(tempDirectory);
      } catch (IOException e) {
        log.debug("could not remove " + tempDirectory + ": " + e.getMessage());
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
