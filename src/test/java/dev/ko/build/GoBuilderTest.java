package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.ko.concurrent.TaskGroup;
import dev.ko.log.Log;
import dev.ko.oci.Annotations;
import dev.ko.oci.Artifact;
import dev.ko.oci.BuiltImage;
import dev.ko.oci.BuiltIndex;
import dev.ko.oci.ConfigFile;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.GoTime;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.IndexManifest;
import dev.ko.oci.Layer;
import dev.ko.oci.LayerFile;
import dev.ko.oci.Manifest;
import dev.ko.oci.MediaType;
import dev.ko.oci.Platform;
import dev.ko.sbom.SbomOptions;
import dev.ko.testing.RecordingLog;
import dev.ko.testing.TarEntries;
import dev.ko.testing.TestBuildOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GoBuilder} with a fake {@link GoToolchain} (the "binary" is a fixed file) and in-memory
 * bases: the config and manifest it produces under a fixed SOURCE_DATE_EPOCH are pinned by golden
 * files, and the index rules (base order, artifactType, annotations, one match, no match, nested
 * index) are checked.
 *
 * <p>Regenerate the golden files with {@code -Dgolden.update=true} and review the diff.
 */
class GoBuilderTest {
  private static final String IMPORT_PATH = "example.com/app/cmd/app";
  private static final String REF = "ko://" + IMPORT_PATH;
  private static final String BASE = "registry.example.com/base:1";
  private static final Path GOLDEN = Path.of("src/test/resources/golden");
  private static final String BASE_CONFIG =
      "{\"architecture\":\"amd64\",\"created\":\"2020-01-01T00:00:00Z\",\"history\":[{\"created\":\"2020-01-01T00:00:00Z\",\"created_by\":\"base"
          + " layer\"}],\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
          + "\"diff_ids\":[]},\"config\":{\"Cmd\":[\"/bin/sh\"],\"Env\":[\"PATH=/usr/bin:/bin\",\"LANG=C.UTF-8\"],"
          + "\"Labels\":{\"base\":\"label\",\"foo\":\"base-value\"},\"User\":\"65532\",\"WorkingDir\":\"/home\"},"
          + "\"container_config\":{\"Cmd\":[\"dropped\"]}}";

  @TempDir Path tmp;

  private ExecutorService executor;
  private Path module;
  private FakeGo go;

  /** Answers {@code go list} for one main package and "builds" by writing a fixed file. */
  static final class FakeGo implements GoToolchain {
    /** What a test does inside a fake {@code go build} or {@code go version -m}. */
    interface Hook {
      void run(Map<String, String> env) throws IOException;
    }

    final Path dir;
    final List<List<String>> builds = Collections.synchronizedList(new ArrayList<>());
    final List<Map<String, String>> envs = Collections.synchronizedList(new ArrayList<>());
    volatile int packagesListed = 1;
    volatile Hook onBuild = env -> {};
    volatile Hook onVersionM = env -> {};

    FakeGo(Path dir) {
      this.dir = dir;
    }

    @Override
    public List<GoPackage> list(Path wd, Map<String, String> env, List<String> patterns) {
      return Collections.nCopies(
          packagesListed, new GoPackage(IMPORT_PATH, "main", dir, List.of("main.go"), ""));
    }

    @Override
    public void build(Path wd, Map<String, String> env, List<String> args) throws IOException {
      builds.add(List.copyOf(args));
      envs.add(Map.copyOf(env));
      onBuild.run(env);
      Path out = Path.of(args.get(args.indexOf("-o") + 1));
      Files.writeString(out, "fake binary for " + env.get("GOOS") + "/" + env.get("GOARCH"));
    }

    @Override
    public String versionM(Path binary, Map<String, String> env) throws IOException {
      String goarch = binary.getParent().getFileName().toString().split("-", -1)[1];
      onVersionM.run(Map.of("GOARCH", goarch));
      return binary
          + ": go1.19.8\n\tpath\t"
          + IMPORT_PATH
          + "\n\tmod\texample.com/app\t(devel)\t\n";
    }

    @Override
    public Map<String, String> env(Path wd, Map<String, String> env) {
      throw new UnsupportedOperationException();
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    executor = Executors.newFixedThreadPool(4);
    module = Files.createDirectories(tmp.resolve("module/cmd/app"));
    Files.writeString(module.resolve("main.go"), "package main\n");
    Files.createDirectories(module.resolve("kodata"));
    Files.writeString(module.resolve("kodata/hello.txt"), "hello\n");
    go = new FakeGo(module);
  }

  @AfterEach
  void tearDown() {
    executor.shutdownNow();
  }

  // ------------------------------------------------------------ single image

  @Test
  void configAndManifestMatchTheGoldenFiles() throws Exception {
    Image image =
        (Image)
            build(
                options("run1"),
                Map.of(BASE, baseImage(MediaType.OCI_MANIFEST, BASE_CONFIG, "amd64")));

    assertGolden("build-config.json", new String(image.rawConfig(), StandardCharsets.UTF_8));
    assertGolden("build-manifest.json", new String(image.rawManifest(), StandardCharsets.UTF_8));
    assertThat(image.digest()).isEqualTo(Digest.of(image.rawManifest()));
    assertThat(image.manifest().config().digest()).isEqualTo(Digest.of(image.rawConfig()));
  }

  @Test
  void configChangesAreKos() throws Exception {
    BuiltImage base = baseImage(MediaType.OCI_MANIFEST, BASE_CONFIG, "amd64");
    Image image = (Image) build(options("run1"), Map.of(BASE, base));
    ConfigFile cfg = image.configFile();

    assertThat(cfg.config().entrypoint()).containsExactly("/ko-app/app");
    assertThat(cfg.config().cmd()).isEmpty();
    assertThat(cfg.config().env())
        .containsExactly("PATH=/usr/bin:/bin:/ko-app", "LANG=C.UTF-8", "KO_DATA_PATH=/var/run/ko");
    assertThat(cfg.config().labels())
        .containsExactly(
            Map.entry("base", "label"), Map.entry("foo", "bar"), Map.entry("hello", "world"));
    assertThat(cfg.config().user()).isEqualTo("1234:1234");
    assertThat(cfg.config().workingDir()).isEqualTo("/home");
    assertThat(cfg.author()).isEqualTo("github.com/ko-build/ko");
    assertThat(cfg.created().toString()).isEqualTo("1970-01-01T01:23:20Z");
    assertThat(cfg.history())
        .extracting(
            h -> h.author(), h -> h.created().toString(), h -> h.createdBy(), h -> h.comment())
        .containsExactly(
            tuple("", "2020-01-01T00:00:00Z", "base layer", ""),
            tuple(
                "ko",
                "0001-01-01T00:00:00Z",
                "ko build " + REF,
                "kodata contents, at $KO_DATA_PATH"),
            tuple(
                "ko",
                "1970-01-01T01:23:20Z",
                "ko build " + REF,
                "go build output, at /ko-app/app"));
    assertThat(cfg.diffIds()).hasSize(3);
    assertThat(cfg.diffIds().subList(1, 3))
        .containsExactly(image.layers().get(1).diffId(), image.layers().get(2).diffId());

    // the base manifest's own annotations stay (ggcr's mutate keeps them), ours and base.* are
    // added
    SortedMapAssert.annotations(
        image.manifest().annotations(),
        Map.of(
            "base-manifest",
            "kept",
            "fizz",
            "buzz",
            "goodbye",
            "world",
            Annotations.BASE_NAME,
            "registry.example.com/base:1",
            Annotations.BASE_DIGEST,
            base.digest().toString()));

    // the go build ko runs: flags, output into the cache (one directory per Go environment), the
    // import path
    assertThat(go.builds).hasSize(1);
    List<String> args = go.builds.get(0);
    assertThat(args.get(0)).isEqualTo("-trimpath");
    assertThat(args.get(1)).isEqualTo("-o");
    assertThat(args.get(2)).endsWith("/bin/" + IMPORT_PATH + "/linux-amd64/out");
    assertThat(args.get(3)).isEqualTo(IMPORT_PATH);
    assertThat(go.envs.get(0))
        .containsEntry("GOOS", "linux")
        .containsEntry("GOARCH", "amd64")
        .containsEntry("CGO_ENABLED", "0");

    // the layers themselves: kodata then the binary
    List<TarEntries.Entry> kodata = TarEntries.readGzip(((LayerFile) image.layers().get(1)).path());
    assertThat(kodata)
        .extracting(TarEntries.Entry::name)
        .containsExactly("/var", "/var/run", "/var/run/ko", "/var/run/ko/hello.txt");
    List<TarEntries.Entry> binary = TarEntries.readGzip(((LayerFile) image.layers().get(2)).path());
    assertThat(binary).extracting(TarEntries.Entry::name).containsExactly("ko-app", "/ko-app/app");
    assertThat(binary.get(1).text()).isEqualTo("fake binary for linux/amd64");
  }

  @Test
  void pathIsAddedWhenTheBaseHasNone() throws Exception {
    String config =
        BASE_CONFIG.replace(
            "\"Env\":[\"PATH=/usr/bin:/bin\",\"LANG=C.UTF-8\"]", "\"Env\":[\"LANG=C\"]");
    Image image =
        (Image)
            build(
                options("run1"), Map.of(BASE, baseImage(MediaType.OCI_MANIFEST, config, "amd64")));
    assertThat(image.configFile().config().env())
        .containsExactly("LANG=C", "PATH=/ko-app", "KO_DATA_PATH=/var/run/ko");
  }

  @Test
  void buildingTwiceGivesTheSameDigest() throws Exception {
    Map<String, Artifact> bases =
        Map.of(BASE, baseImage(MediaType.OCI_MANIFEST, BASE_CONFIG, "amd64"));
    Artifact first = build(options("run1"), bases);
    Artifact again = build(options("run1"), bases); // same cache: the binary layer is reused
    Artifact elsewhere = build(options("run2"), bases); // fresh cache and temp dirs
    assertThat(again.digest()).isEqualTo(first.digest());
    assertThat(elsewhere.digest()).isEqualTo(first.digest());
  }

  @Test
  void dockerBaseGivesDockerLayerMediaTypes() throws Exception {
    Image image =
        (Image)
            build(
                options("run1"),
                Map.of(BASE, baseImage(MediaType.DOCKER_MANIFEST, BASE_CONFIG, "amd64")));
    assertThat(image.mediaType()).isEqualTo(MediaType.DOCKER_MANIFEST);
    assertThat(image.manifest().config().mediaType()).isEqualTo(MediaType.DOCKER_CONFIG);
    assertThat(image.manifest().layers())
        .extracting(Descriptor::mediaType)
        .containsOnly(MediaType.DOCKER_LAYER);
  }

  @Test
  void aSingleImageBaseOfAnotherPlatformIsRefused() throws Exception {
    Map<String, Artifact> bases =
        Map.of(BASE, baseImage(MediaType.OCI_MANIFEST, BASE_CONFIG, "amd64"));
    assertThatThrownBy(() -> build(options("run1", List.of("linux/arm64")), bases))
        .hasMessage(
            "base image platform \"linux/amd64\" does not match desired platforms [linux/arm64]");
  }

  // ------------------------------------------------------------ index bases

  /**
   * The executor rule: an index of two platforms (speculative builds, kodata, base children,
   * assembly, SBOMs) completes on a pool of one thread, the same as on four.
   */
  @Test
  void anIndexBuildsOnAPoolOfOneThread() throws Exception {
    java.util.concurrent.ExecutorService one =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      Artifact onOne =
          build(options("run1", List.of("all")), Map.of(BASE, baseIndex()), Log.NONE, one);
      Artifact onFour = build(options("run2", List.of("all")), Map.of(BASE, baseIndex()));
      assertThat(onOne).isInstanceOf(ImageIndex.class);
      assertThat(onOne.digest()).isEqualTo(onFour.digest());
    } finally {
      one.shutdownNow();
    }
  }

  @Test
  void twoMatchingChildrenGiveAnIndexInBaseOrder() throws Exception {
    BuiltIndex base = baseIndex();
    Artifact result = build(options("run1", List.of("all")), Map.of(BASE, base));

    assertThat(result).isInstanceOf(ImageIndex.class);
    ImageIndex index = (ImageIndex) result;
    IndexManifest im = index.indexManifest();
    assertThat(index.mediaType()).isEqualTo(MediaType.OCI_INDEX);
    assertThat(im.schemaVersion()).isEqualTo(2);
    assertThat(im.manifests())
        .extracting(
            d -> d.platform().toString(),
            Descriptor::mediaType,
            Descriptor::artifactType,
            Descriptor::annotations)
        .containsExactly(
            tuple(
                "linux/arm64/v8",
                MediaType.OCI_MANIFEST,
                MediaType.OCI_CONFIG.value(),
                new TreeMap<>(Map.of("child", "arm64"))),
            tuple(
                "linux/amd64",
                MediaType.OCI_MANIFEST,
                MediaType.OCI_CONFIG.value(),
                new TreeMap<>()));
    // the index's annotations: ours plus the base index's name and digest, not the base index's own
    SortedMapAssert.annotations(
        im.annotations(),
        Map.of(
            "fizz",
            "buzz",
            "goodbye",
            "world",
            Annotations.BASE_NAME,
            "registry.example.com/base:1",
            Annotations.BASE_DIGEST,
            base.digest().toString()));

    List<Descriptor> baseChildren = base.indexManifest().manifests();
    for (int i = 0; i < 2; i++) {
      Descriptor d = im.manifests().get(i);
      Image child = (Image) index.child(d);
      assertThat(d.digest()).isEqualTo(child.digest());
      assertThat(d.size()).isEqualTo(child.rawManifest().length);
      assertThat(child.manifest().annotations())
          .containsEntry(Annotations.BASE_DIGEST, baseChildren.get(i).digest().toString());
      assertThat(child.configFile().architecture()).isEqualTo(d.platform().architecture());
    }
    assertThat(go.envs)
        .extracting(e -> e.get("GOARCH"))
        .containsExactlyInAnyOrder("arm64", "amd64");

    Artifact again = build(options("run2", List.of("all")), Map.of(BASE, base));
    assertThat(again.digest()).isEqualTo(result.digest());
  }

  @Test
  void exactlyOneMatchGivesAPlainImage() throws Exception {
    BuiltIndex base = baseIndex();
    Artifact result = build(options("run1", List.of("linux/amd64")), Map.of(BASE, base));

    assertThat(result).isInstanceOf(Image.class);
    Image image = (Image) result;
    assertThat(image.configFile().architecture()).isEqualTo("amd64");
    assertThat(image.manifest().annotations())
        .containsEntry(
            Annotations.BASE_DIGEST, base.indexManifest().manifests().get(1).digest().toString())
        .containsEntry(Annotations.BASE_NAME, "registry.example.com/base:1");
  }

  @Test
  void noMatchIsAnError() throws Exception {
    Map<String, Artifact> bases = Map.of(BASE, baseIndex());
    assertThatThrownBy(() -> build(options("run1", List.of("linux/s390x")), bases))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no matching platforms in base image index");
  }

  @Test
  void aNestedIndexIsAnError() throws Exception {
    BuiltIndex inner = baseIndex();
    Descriptor nested =
        new Descriptor(
            MediaType.OCI_INDEX,
            inner.size(),
            inner.digest(),
            "",
            List.of(),
            null,
            Platform.of("linux", "amd64", ""),
            "");
    BuiltIndex outer =
        BuiltIndex.of(
            new IndexManifest(2, MediaType.OCI_INDEX, List.of(nested), null, null), List.of(inner));
    assertThatThrownBy(() -> build(options("run1", List.of("all")), Map.of(BASE, outer)))
        .hasMessageContaining("unexpected mediaType");
  }

  // ------------------------------------------------------------ concurrency and speculation

  @Test
  void theFirstFailingPlatformEndsTheBuildWithoutWaitingForTheOthers() throws Exception {
    AtomicBoolean arm64Interrupted = new AtomicBoolean();
    java.util.concurrent.CountDownLatch arm64Running = new java.util.concurrent.CountDownLatch(1);
    go.onBuild =
        env -> {
          if (env.get("GOARCH")
              .equals("arm64")) { // the first child: still building when amd64 fails
            arm64Running.countDown();
            try {
              new java.util.concurrent.CountDownLatch(1).await(); // until stopped
            } catch (InterruptedException e) {
              arm64Interrupted.set(true);
              throw new java.io.InterruptedIOException("killed");
            }
          } else {
            // Fail only once arm64 is running, so there is a running build to stop (not just a
            // queued one).
            try {
              arm64Running.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              throw new java.io.InterruptedIOException("interrupted");
            }
            throw new GoCommandException(
                "go build: exit status 1: ./main.go:1: boom", "# example\n./main.go:1: boom");
          }
        };
    RecordingLog log = new RecordingLog();
    long start = System.nanoTime();
    assertThatThrownBy(() -> build(options("run1", List.of("all")), Map.of(BASE, baseIndex()), log))
        .isInstanceOf(GoCommandException.class)
        .hasMessageStartingWith(
            "building " + IMPORT_PATH + " for linux/amd64: go build: exit status 1");
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start))
        .as("seconds until the failure")
        .isLessThan(10);
    assertThat(arm64Interrupted).as("the other platform's build was stopped").isTrue();
    assertThat(log.lines).containsOnlyOnce("# example\n./main.go:1: boom");
  }

  @Test
  void aFailureWhileStoppingTheOtherBuildsDoesNotHideTheBuildsError() throws Exception {
    Thread caller = Thread.currentThread();
    java.util.concurrent.CountDownLatch arm64Running = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch callerGaveUp = new java.util.concurrent.CountDownLatch(1);
    go.onBuild =
        env -> {
          if (env.get("GOARCH").equals("arm64")) { // a build that takes a while to stop
            arm64Running.countDown();
            try {
              new java.util.concurrent.CountDownLatch(1).await();
            } catch (InterruptedException e) {
              // Being stopped: the caller waits for this build now. It is interrupted in that wait,
              // while this build keeps going for a moment, as a child process may.
              caller.interrupt();
              awaitUninterruptibly(callerGaveUp);
            }
          } else {
            awaitUninterruptibly(arm64Running);
            throw new GoCommandException("go build: exit status 1: boom", "boom");
          }
        };
    try {
      assertThatThrownBy(() -> build(options("run1", List.of("all")), Map.of(BASE, baseIndex())))
          .isInstanceOf(GoCommandException.class)
          .hasMessageContaining("boom")
          .satisfies(
              e ->
                  assertThat(e.getSuppressed())
                      .singleElement()
                      .isInstanceOf(java.io.InterruptedIOException.class));
    } finally {
      callerGaveUp.countDown();
      Thread.interrupted();
    }
  }

  private static void awaitUninterruptibly(java.util.concurrent.CountDownLatch latch) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          assertThat(latch.await(10, TimeUnit.SECONDS)).as("latch").isTrue();
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void anUnusedSpeculativeBuildSaysNothing() throws Exception {
    CountDownLatch s390xStarted = new CountDownLatch(1);
    go.onBuild =
        env -> {
          if (env.get("GOARCH").equals("s390x")) {
            s390xStarted.countDown();
            throw new GoCommandException(
                "go build: exit status 1: s390x exploded", "s390x exploded");
          }
          await(s390xStarted, "the speculative s390x build");
        };
    RecordingLog log = new RecordingLog();
    // The base has no s390x: its early build is never used.
    Artifact result =
        build(
            options("run1", List.of("linux/amd64", "linux/s390x")), Map.of(BASE, baseIndex()), log);

    assertThat(result).isInstanceOf(Image.class);
    assertThat(go.envs)
        .extracting(e -> e.get("GOARCH"))
        .containsExactlyInAnyOrder("amd64", "s390x");
    assertThat(log.lines)
        .contains("Building " + IMPORT_PATH + " for linux/amd64")
        .noneMatch(l -> l.contains("s390x"));
  }

  @Test
  void armWithoutAVariantWaitsForTheBaseToDecideGoarm() throws Exception {
    BuiltIndex base = index(Platform.of("linux", "arm", "v7"), Platform.of("linux", "arm64", "v8"));
    RecordingLog log = new RecordingLog();
    Artifact result = build(options("run1", List.of("linux/arm")), Map.of(BASE, base), log);

    assertThat(result).isInstanceOf(Image.class);
    assertThat(go.envs).as("one build, for the base's arm/v7").hasSize(1);
    assertThat(go.envs.get(0)).containsEntry("GOARCH", "arm").containsEntry("GOARM", "7");
    assertThat(log.lines).contains("Building " + IMPORT_PATH + " for linux/arm/v7");
  }

  @Test
  void layeringDoesNotHoldTheBuildSlot() throws Exception {
    // -j 1 and two platforms: each binary's go version -m waits for the other platform's go build,
    // which can only start if the first released its slot when go build returned.
    Map<String, CountDownLatch> built =
        Map.of("amd64", new CountDownLatch(1), "arm64", new CountDownLatch(1));
    go.onBuild = env -> built.get(env.get("GOARCH")).countDown();
    go.onVersionM =
        env ->
            await(
                built.get(env.get("GOARCH").equals("amd64") ? "arm64" : "amd64"),
                "the other go build");
    BuildOptions options =
        TestBuildOptions.builder(
                module.getParent().getParent(),
                tmp.resolve("run1/cache"),
                mkdirs(tmp.resolve("run1/temp")))
            .defaultBaseImage(BASE)
            .platforms(List.of("linux/amd64", "linux/arm64"))
            .environment(Map.of())
            .jobs(1)
            .sbom(new SbomOptions(true, "", "test"))
            .build();
    Artifact result = build(options, Map.of(BASE, baseIndex()));
    assertThat(result).isInstanceOf(ImageIndex.class);
    assertThat(((ImageIndex) result).indexManifest().manifests()).hasSize(2);
  }

  @Test
  void moreThanOnePackageNamesTheImportPathAndTheDirectory() {
    go.packagesListed = 2;
    BuildOptions options = options("run1");
    assertThatThrownBy(() -> build(options, Map.of()))
        .isInstanceOf(UnsupportedReferenceException.class)
        .hasMessage(
            "go list "
                + IMPORT_PATH
                + " in "
                + options.workingDirectory()
                + " found 2 packages, expected 1");
  }

  // ------------------------------------------------------------ helpers

  private BuildOptions options(String run) {
    return options(run, List.of());
  }

  private BuildOptions options(String run, List<String> platforms) {
    return TestBuildOptions.builder(
            module.getParent().getParent(),
            tmp.resolve(run + "/cache"),
            mkdirs(tmp.resolve(run + "/temp")))
        .defaultBaseImage(BASE)
        .platforms(platforms)
        .environment(Map.of())
        .creationTime(GoTime.ofEpochSecond(5000, ZoneOffset.UTC))
        .labels(Map.of("foo", "bar", "hello", "world"))
        .annotations(Map.of("fizz", "buzz", "goodbye", "world"))
        .user("1234:1234")
        .jobs(2)
        .build();
  }

  private Artifact build(BuildOptions options, Map<String, Artifact> bases) throws IOException {
    return build(options, bases, Log.NONE);
  }

  private Artifact build(BuildOptions options, Map<String, Artifact> bases, Log log)
      throws IOException {
    return build(options, bases, log, executor);
  }

  private Artifact build(
      BuildOptions options,
      Map<String, Artifact> bases,
      Log log,
      java.util.concurrent.Executor pool)
      throws IOException {
    TaskGroup tasks = new TaskGroup(pool);
    BaseImages baseImages =
        new BaseImages(
            ref -> {
              Artifact a = bases.get(ref.toString());
              if (a == null) {
                throw new IOException("no base " + ref);
              }
              return a;
            },
            options,
            tasks,
            log);
    GoBuilder builder = new GoBuilder(options, go, baseImages, log);
    return tasks.join(builder.build(REF, tasks));
  }

  /** An index with one child per platform, in the given order. */
  private BuiltIndex index(Platform... platforms) throws IOException {
    List<Descriptor> ds = new ArrayList<>();
    List<Artifact> children = new ArrayList<>();
    for (Platform p : platforms) {
      BuiltImage child = baseImage(MediaType.OCI_MANIFEST, BASE_CONFIG, p.architecture());
      ds.add(
          new Descriptor(
              MediaType.OCI_MANIFEST, child.size(), child.digest(), "", List.of(), null, p, ""));
      children.add(child);
    }
    return BuiltIndex.of(new IndexManifest(2, MediaType.OCI_INDEX, ds, null, null), children);
  }

  private static void await(CountDownLatch latch, String what) throws IOException {
    try {
      if (!latch.await(5, TimeUnit.SECONDS)) {
        throw new IOException("timed out waiting for " + what);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted waiting for " + what);
    }
  }

  /** A one-layer base image whose config is {@code configJson} with the given architecture. */
  private BuiltImage baseImage(MediaType manifestType, String configJson, String architecture)
      throws IOException {
    boolean docker = manifestType.equals(MediaType.DOCKER_MANIFEST);
    MediaType layerType = docker ? MediaType.DOCKER_LAYER : MediaType.OCI_LAYER;
    LayerFile layer =
        LayerFile.write(
            Files.createTempFile(tmp, "base-", ".tar.gz"),
            layerType,
            tar ->
                tar.file(
                    "/etc/base-release",
                    0444,
                    0,
                    ("base " + architecture + "\n").getBytes(StandardCharsets.UTF_8),
                    Map.of()));
    ConfigFile config =
        ConfigFile.parse(
                configJson
                    .replace("\"amd64\"", "\"" + architecture + "\"")
                    .getBytes(StandardCharsets.UTF_8))
            .withAddedLayers(List.of(layer.diffId()), List.of());
    Manifest manifest =
        new Manifest(
            2,
            manifestType,
            Descriptor.of(
                docker ? MediaType.DOCKER_CONFIG : MediaType.OCI_CONFIG, 0, Digest.of(new byte[0])),
            List.of(layer.descriptor()),
            new TreeMap<>(Map.of("base-manifest", "kept")),
            null);
    List<Layer> layers = List.of(layer);
    return BuiltImage.of(manifest, config, layers);
  }

  /**
   * arm64/v8 (annotated), amd64, and a Docker attestation entry (unknown/unknown), in that order.
   */
  private BuiltIndex baseIndex() throws IOException {
    BuiltImage arm = baseImage(MediaType.OCI_MANIFEST, BASE_CONFIG, "arm64");
    BuiltImage amd = baseImage(MediaType.OCI_MANIFEST, BASE_CONFIG, "amd64");
    BuiltImage attestation = baseImage(MediaType.OCI_MANIFEST, BASE_CONFIG, "unknown");
    List<Descriptor> ds =
        List.of(
            new Descriptor(
                MediaType.OCI_MANIFEST,
                arm.size(),
                arm.digest(),
                "",
                List.of(),
                new TreeMap<>(Map.of("child", "arm64")),
                Platform.of("linux", "arm64", "v8"),
                ""),
            new Descriptor(
                MediaType.OCI_MANIFEST,
                amd.size(),
                amd.digest(),
                "",
                List.of(),
                null,
                Platform.of("linux", "amd64", ""),
                ""),
            new Descriptor(
                MediaType.OCI_MANIFEST,
                attestation.size(),
                attestation.digest(),
                "",
                List.of(),
                null,
                Platform.of("unknown", "unknown", ""),
                ""));
    return BuiltIndex.of(
        new IndexManifest(
            2, MediaType.OCI_INDEX, ds, new TreeMap<>(Map.of("base-index", "not inherited")), null),
        List.of(arm, amd, attestation));
  }

  private static Path mkdirs(Path p) {
    try {
      return Files.createDirectories(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void assertGolden(String name, String actual) throws IOException {
    Path file = GOLDEN.resolve(name);
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(file, actual + "\n");
    }
    assertThat(actual + "\n").as("golden file " + file).isEqualTo(Files.readString(file));
  }

  /** Exact annotation maps, with a readable failure. */
  private static final class SortedMapAssert {
    static void annotations(Map<String, String> actual, Map<String, String> expected) {
      assertThat(new TreeMap<>(actual)).isEqualTo(new TreeMap<>(expected));
    }
  }
}
