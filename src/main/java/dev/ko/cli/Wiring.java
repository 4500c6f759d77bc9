package dev.ko.cli;

import dev.ko.build.BaseImages;
import dev.ko.build.BuildOptions;
import dev.ko.build.Builder;
import dev.ko.build.GoBuilder;
import dev.ko.build.ProcessGoToolchain;
import dev.ko.config.Env;
import dev.ko.log.Log;
import dev.ko.name.BadNameException;
import dev.ko.name.Registry;
import dev.ko.name.Repository;
import dev.ko.oci.GoTime;
import dev.ko.publish.Namer;
import dev.ko.publish.NoopPublisher;
import dev.ko.publish.Publisher;
import dev.ko.publish.RegistryPublisher;
import dev.ko.registry.DockerConfigKeychain;
import dev.ko.registry.HttpTransport;
import dev.ko.registry.RegistryClient;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The one place where the program's parts are composed: options from flags and environment, the
 * registry client, the builder and the publisher. Owns the run's thread pool and scratch directory.
 */
final class Wiring implements AutoCloseable {
  private final Env env;
  private final Path workingDirectory;
  private final Log log;
  private final ExecutorService executor;
  private Path tempDirectory;
  private RegistryClient registryClient;
  private Set<String> unverifiedHosts = Set.of();

  Wiring(Env env, Path workingDirectory, Log log) {
    this.env = env;
    this.workingDirectory = workingDirectory;
    this.log = log;
    AtomicInteger n = new AtomicInteger();
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "ko-worker-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  ExecutorService executor() {
    return executor;
  }

  Log log() {
    return log;
  }

  // ------------------------------------------------------------ options

  BuildOptions buildOptions(BuildFlags flags, PublishFlags publish) throws IOException {
    rejectUnimplemented(flags, publish);
    Map<String, String> labels = keyValues(flags.imageLabels, "invalid label flag: ");
    Map<String, String> annotations = keyValues(flags.imageAnnotations, "missing '=' in annotation: ");
    String base = env.get("KO_DEFAULTBASEIMAGE");
    return BuildOptions.builder(workingDirectory, cacheDirectory(), tempDirectory())
        .defaultBaseImage(base.isEmpty() ? BuildOptions.DEFAULT_BASE_IMAGE : base)
        .platforms(flags.platforms)
        .environment(env.asMap())
        .ldflags(flags.ldflags)
        .creationTime(epoch("SOURCE_DATE_EPOCH"))
        .kodataCreationTime(epoch("KO_DATA_DATE_EPOCH"))
        .labels(labels)
        .annotations(annotations)
        .user(flags.imageUser)
        .jobs(flags.jobs > 0 ? flags.jobs : Runtime.getRuntime().availableProcessors())
        .disableOptimizations(flags.disableOptimizations)
        .insecureRegistry(publish.insecureRegistry)
        .build();
  }

  private static void rejectUnimplemented(BuildFlags flags, PublishFlags publish) {
    if (flags.debug) {
      throw new IllegalArgumentException("--debug is not supported by this version of ko-jvm");
    }
    if (!publish.ociLayoutPath.isEmpty() || !publish.tarball.isEmpty() || !publish.imageRefs.isEmpty() || publish.local) {
      throw new IllegalArgumentException(
          "--oci-layout-path, --tarball, --image-refs and --local are not supported by this version of ko-jvm");
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
      throw new IllegalArgumentException("the environment variable " + variable
          + " should be the number of seconds since January 1st 1970, 00:00 UTC, got: \"" + value + "\"");
    }
  }

  private Path cacheDirectory() throws IOException {
    Path dir = env.cacheDirectory();
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException("KOCACHE should be a directory, " + dir + " is not a directory");
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
      HttpTransport transport = new HttpTransport(Wiring::defaultTls, Wiring::trustAllTls, unverifiedHosts);
      registryClient = new RegistryClient(transport, new DockerConfigKeychain(env.asMap(), env.home()),
          Version.userAgent(), log, Duration.ofSeconds(1));
    }
    return registryClient;
  }

  Builder builder(BuildOptions options) {
    BaseImages bases = new BaseImages(BaseImages.from(registryClient()), options, executor, log);
    String goBinary = env.isSet("KO_GO_PATH") ? env.get("KO_GO_PATH") : "go";
    return new GoBuilder(options, new ProcessGoToolchain(goBinary), bases, executor, log);
  }

  /** The publisher for the flags and {@code KO_DOCKER_REPO}, validated before anything is built. */
  Publisher publisher(PublishFlags flags) {
    String repo = env.get("KO_DOCKER_REPO");
    Namer namer = Namer.select(flags.preserveImportPaths, flags.baseImportPaths, flags.bare);
    if (flags.bare && flags.baseImportPaths) {
      log.info("WARNING! --base-import-paths will take precedence and ignore --bare flag. "
          + "In a future release this will be an error.");
    }
    if (!flags.push) {
      return new NoopPublisher(repo, namer, flags.uniqueTags(), flags.tagOnly);
    }
    if (repo.isEmpty()) {
      throw new IllegalArgumentException("KO_DOCKER_REPO environment variable is unset");
    }
    Registry registry = parseDockerRepo(repo, flags.insecureRegistry);
    if (flags.insecureRegistry) {
      Set<String> hosts = new HashSet<>(unverifiedHosts);
      hosts.add(registry.host());
      unverifiedHosts = Set.copyOf(hosts);
    }
    return new RegistryPublisher(registryClient(), repo, namer, flags.uniqueTags(), flags.tagOnly,
        flags.insecureRegistry, executor, log);
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
      throw new IllegalArgumentException("failed to parse \"" + repo + "\" as repository: " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------ TLS

  private static SSLContext defaultTls() {
    try {
      return SSLContext.getDefault();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no default TLS context", e);
    }
  }

  /** Only for registries named with --insecure-registry. */
  private static SSLContext trustAllTls() {
    TrustManager trustAll = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext c = SSLContext.getInstance("TLS");
      c.init(null, new TrustManager[] {trustAll}, new SecureRandom());
      return c;
    } catch (Exception e) {
      throw new IllegalStateException("cannot create a TLS context", e);
    }
  }

  // ------------------------------------------------------------ lifecycle

  @Override
  public void close() {
    executor.shutdownNow();
    if (tempDirectory != null) {
      try {
        deleteTree(tempDirectory);
      } catch (IOException e) {
        log.debug("could not remove " + tempDirectory + ": " + e.getMessage());
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
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
