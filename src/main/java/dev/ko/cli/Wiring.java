package dev.ko.cli;

import dev.ko.build.BuildOptions;
import dev.ko.build.Builder;
import dev.ko.build.CachingBuilder;
import dev.ko.build.EarlyGo;
import dev.ko.build.GoBuilder;
import dev.ko.build.PlatformCache;
import dev.ko.build.ProcessGoToolchain;
import dev.ko.build.RegistryBaseSboms;
import dev.ko.buildcache.CacheEntries;
import dev.ko.buildcache.RegistryCachingBuilder;
import dev.ko.buildcache.RegistryPlatformCache;
import dev.ko.concurrent.TaskGroup;
import dev.ko.concurrent.Workers;
import dev.ko.config.Env;
import dev.ko.config.EnvironmentOptions;
import dev.ko.config.Options;
import dev.ko.config.OptionsResolver;
import dev.ko.log.Log;
import dev.ko.oci.LayerSink;
import dev.ko.process.ExternalCommand;
import dev.ko.publish.BlobPlacements;
import dev.ko.publish.CachingPublisher;
import dev.ko.publish.DockerEngine;
import dev.ko.publish.KindCluster;
import dev.ko.publish.KindNodes;
import dev.ko.publish.LayoutPublisher;
import dev.ko.publish.LocalPublisher;
import dev.ko.publish.MultiPublisher;
import dev.ko.publish.NoopPublisher;
import dev.ko.publish.PublishOptions;
import dev.ko.publish.Publisher;
import dev.ko.publish.RecordingPublisher;
import dev.ko.publish.RegistryPublisher;
import dev.ko.publish.StreamedUploads;
import dev.ko.publish.TarballPublisher;
import dev.ko.registry.DockerConfigKeychain;
import dev.ko.registry.GitHubKeychain;
import dev.ko.registry.HttpTransport;
import dev.ko.registry.Keychain;
import dev.ko.registry.RegistryClient;
import dev.ko.sign.KeySigner;
import dev.ko.sign.Signer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one place where the program's parts are composed, from options the config package resolved:
 * the registry client, the builder and the publisher. Owns the run's thread pool and scratch
 * directory.
 */
final class Wiring implements AutoCloseable {
  private static final Duration TERMINATION_WAIT = Duration.ofSeconds(5);

  private final Env env;
  private final Path workingDirectory;
  private final Log log;
  private final EarlyGo early;
  private final Warm warm;
  private ExecutorService executor;
  private TaskGroup tasks;
  private int jobs = Runtime.getRuntime().availableProcessors();
  private Path tempDirectory;
  private RegistryClient registryClient;

  /**
   * The blobs this run has placed in each repository, shared by the target's publisher and the
   * build cache's entries; made per run (per server request), never kept.
   */
  private final BlobPlacements placements = new BlobPlacements();

  Wiring(Env env, Path workingDirectory, Log log, EarlyGo early, Warm warm) {
    this.env = env;
    this.warm = warm;
    this.early = early;
    this.workingDirectory = workingDirectory;
    this.log = log;
  }

  Log log() {
    return log;
  }

  /**
   * The run's task group, on the run's one executor, sized for {@code -j} (known once the options
   * are resolved): no task ever waits for another, so the size bounds threads, not progress.
   */
  synchronized TaskGroup tasks() {
    if (tasks == null) {
      executor = Workers.pool(Workers.threadsFor(jobs, RegistryPublisher.MIN_UPLOADS));
      tasks = new TaskGroup(executor);
    }
    return tasks;
  }

  // ------------------------------------------------------------ options

  /** The command's options, resolved and checked by the config package. */
  Options options(BuildFlags build, PublishFlags publish) throws IOException {
    Options options =
        new OptionsResolver(env, workingDirectory, Version.get(), log)
            .resolve(build.values(), publish.values(), tempDirectory());
    synchronized (this) {
      jobs = options.build().jobs();
    }
    return options;
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
      HttpTransport transport = warm.transport(EnvironmentOptions.trustRoots(env));
      registryClient =
          new RegistryClient(
              transport,
              Keychain.firstOf(
                  new DockerConfigKeychain(EnvironmentOptions.keychainSources(env)),
                  new GitHubKeychain(EnvironmentOptions.gitHubToken(env))),
              log,
              RegistryClient.Options.of(Version.userAgent(), EnvironmentOptions.network(env))
                  .keeping(env.cacheDirectory().resolve("registry"), warm.tokens()));
    }
    return registryClient;
  }

  /**
   * The Go builder, each reference built once, looked up in the build cache first when there is
   * one; it starts pulling the default base at once.
   */
  Builder builder(Options all) throws IOException {
    BuildOptions options = all.build();
    String version = Version.get();
    Optional<CacheEntries> cacheEntries =
        all.cache()
            .repository()
            .map(
                repository ->
                    new CacheEntries(
                        registryClient(),
                        repository,
                        all.cache().insecure(),
                        new CacheEntries.Attached(
                            options.sbom().enabled(), options.supplyChain().provenance()),
                        placements,
                        log));
    PlatformCache platformCache =
        cacheEntries
            .<PlatformCache>map(entries -> new RegistryPlatformCache(entries, log))
            .orElse(PlatformCache.NONE);
    boolean referrers = referrers(all.publish());
    GoBuilder go =
        GoBuilder.start(
            options,
            new ProcessGoToolchain(options.goCommand()),
            ref -> registryClient().pull(ref),
            (repository, digest, types) ->
                new RegistryBaseSboms(registryClient(), referrers).find(repository, digest, types),
            tasks(),
            early,
            platformCache,
            version,
            layerSinks(all),
            log);
    Builder builder = go;
    if (cacheEntries.isPresent()) {
      builder =
          new RegistryCachingBuilder(
              go,
              (reference, t) -> go.cacheKey(reference, version, t),
              go::writeSideFiles,
              cacheEntries.get(),
              log);
    }
    return new CachingBuilder(builder);
  }

  /**
   * Where new layers are streamed while they are written: into the one registry repository each
   * image is pushed to, when the run pushes there and nowhere else, has no build cache (which
   * uploads a miss's layers into its own repository) and {@code KO_STREAM_UPLOADS} is {@code 1}
   * (off by default: on this machine it measured no faster, see README "Speed"); else nowhere.
   */
  private LayerSink.PerImage layerSinks(Options all) {
    PublishOptions p = all.publish();
    if (!env.get("KO_STREAM_UPLOADS").equals("1")
        || all.cache().repository().isPresent()
        || !(p.destination() instanceof PublishOptions.Outputs outputs)
        || outputs.push().isEmpty()
        || outputs.layout().isPresent()
        || outputs.tarball().isPresent()
        || p.tags().isEmpty()) {
      return LayerSink.PerImage.NONE;
    }
    return new StreamedUploads(
        registryClient(),
        p.repository(),
        p.namer(),
        p.tags(),
        outputs.push().get().insecure(),
        placements,
        tasks(),
        log);
  }

  /**
   * Whether attachments are OCI 1.1 referrers, so that a base image's SBOM is looked for among its
   * referrers too.
   */
  private static boolean referrers(PublishOptions options) {
    return options.destination() instanceof PublishOptions.Outputs outputs
        && outputs.push().map(p -> p.referrers().oci()).orElse(false);
  }

  /**
   * The publisher for the destination: a local store, or the OCI layout, the tarball and the
   * registry, whichever were asked for; recorded for {@code --image-refs}; each result published
   * once.
   */
  Publisher publisher(PublishOptions options) {
    Publisher publisher;
    if (options.destination() instanceof PublishOptions.Daemon daemon) {
      publisher = local(options, DockerEngine.of(daemon.host()));
    } else if (options.destination() instanceof PublishOptions.Kind kind) {
      KindCluster cluster = kind.cluster();
      publisher =
          local(
              options,
              new KindNodes(
                  new ExternalCommand(cluster.provider(), cluster.environment())
                      .in(workingDirectory),
                  cluster.name()));
    } else {
      PublishOptions.Outputs outputs = (PublishOptions.Outputs) options.destination();
      List<Publisher> destinations = new ArrayList<>();
      outputs
          .layout()
          .ifPresent(l -> destinations.add(new LayoutPublisher(l.path(), l.directory(), log)));
      outputs
          .tarball()
          .ifPresent(
              file ->
                  destinations.add(
                      new TarballPublisher(
                          file,
                          options.repository(),
                          options.namer(),
                          options.tags(),
                          options.localPlatform(),
                          log)));
      outputs.push().ifPresent(push -> destinations.add(registryPublisher(options, push)));
      if (destinations.isEmpty()) {
        publisher =
            new NoopPublisher(
                options.repository(), options.namer(), options.tags(), options.tagOnly());
      } else {
        publisher =
            destinations.size() == 1 ? destinations.get(0) : new MultiPublisher(destinations);
      }
    }
    if (options.imageRefs().isPresent()) {
      publisher = new RecordingPublisher(publisher, options.imageRefs().get());
    }
    return new CachingPublisher(publisher);
  }

  private Publisher local(PublishOptions options, LocalPublisher.Store store) {
    return new LocalPublisher(
        store, options.repository(), options.namer(), options.tags(), options.localPlatform(), log);
  }

  private Publisher registryPublisher(PublishOptions options, PublishOptions.Push push) {
    registryClient().warmUp(push.registry(), tasks());
    return new RegistryPublisher(
            registryClient(),
            options.repository(),
            options.namer(),
            options.tags(),
            options.tagOnly(),
            push.insecure(),
            push.attachmentRepository(),
            push.maxUploads(),
            signer(push),
            push.referrers(),
            log)
        .placingWith(placements);
  }

  /** The signer of {@code --sign-key}, read before anything is built so a bad key fails first. */
  private static Optional<Signer> signer(PublishOptions.Push push) {
    if (push.signKey().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(KeySigner.fromPem(push.signKey().get(), push.signKeyPassword()));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "--sign-key " + push.signKey().get() + ": " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------ lifecycle

  /**
   * Stops the run's tasks (interrupting builds and uploads that a failure left running) and waits a
   * moment for them to end, so none still writes into the scratch directory as it is deleted.
   */
  @Override
  public void close() {
    if (executor == null) {
      deleteTempDirectory();
      return;
    }
    // A cancelled run (the build server interrupts the thread of a request whose client went away
    // or got Ctrl-C) still waits for its tasks, so nothing runs on once the command has returned:
    // the interrupt is set aside for these waits and restored after them.
    boolean interrupted = Thread.interrupted();
    try {
      tasks.cancel().get(TERMINATION_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      interrupted = true;
    } catch (ExecutionException | TimeoutException e) {
      log.debug("some tasks did not stop within " + TERMINATION_WAIT.toSeconds() + " s");
    }
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(TERMINATION_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.debug("some tasks did not stop within " + TERMINATION_WAIT.toSeconds() + " s");
      }
    } catch (InterruptedException e) {
      interrupted = true;
    }
    deleteTempDirectory();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void deleteTempDirectory() {
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
