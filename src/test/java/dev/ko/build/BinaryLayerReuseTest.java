package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.concurrent.TaskGroup;
import dev.ko.log.Log;
import dev.ko.oci.BuiltImage;
import dev.ko.oci.ConfigFile;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.Image;
import dev.ko.oci.LayerFile;
import dev.ko.oci.Manifest;
import dev.ko.oci.MediaType;
import dev.ko.sbom.SbomOptions;
import dev.ko.testing.GoModules;
import dev.ko.testing.TestBuildOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the real {@code go}: building an unchanged package again reuses the binary layer written the
 * first time, although {@code go build -o} reset the binary's modification time.
 */
class BinaryLayerReuseTest {
  private static final String IMPORT_PATH = "example.com/reuse/cmd/app";

  @TempDir Path tmp;

  private final ExecutorService executor = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  /** Counts go version -m runs; the binary's build info is read in-process, so normally none. */
  private static final class CountingGo implements GoToolchain {
    final GoToolchain real = new ProcessGoToolchain("go");
    final List<String> commands = Collections.synchronizedList(new ArrayList<>());

    @Override
    public List<GoPackage> list(Path dir, Map<String, String> env, List<String> patterns)
        throws IOException {
      commands.add("list");
      return real.list(dir, env, patterns);
    }

    @Override
    public void build(Path dir, Map<String, String> env, List<String> args) throws IOException {
      commands.add("build");
      real.build(dir, env, args);
    }

    @Override
    public String versionM(Path binary, Map<String, String> env) throws IOException {
      commands.add("version -m");
      return real.versionM(binary, env);
    }

    @Override
    public Map<String, String> env(Path dir, Map<String, String> env) throws IOException {
      return real.env(dir, env);
    }
  }

  @Test
  void theSecondBuildOfAnUnchangedPackageReusesTheLayer() throws Exception {
    Path module = GoModules.mainPackages(tmp.resolve("reuse"), "example.com/reuse", List.of("app"));
    Path cache = tmp.resolve("cache");
    Path outDir = cache.resolve("bin").resolve(IMPORT_PATH).resolve("linux-amd64");

    Image first = build(module, cache);
    Path out = outDir.resolve("out");
    // Turn the binary's clock back rather than wait for the real one to move on: however coarse
    // the file system's timestamps and however fast the second build, a touch by go build -o shows.
    Files.setLastModifiedTime(out, FileTime.from(Instant.parse("2001-02-03T04:05:06Z")));
    FileTime firstMtime = Files.getLastModifiedTime(out);
    Map<Path, Object> blobs = blobs(outDir.resolve("layers"));
    assertThat(blobs).hasSize(1);

    Image second = build(module, cache);

    assertThat(Files.getLastModifiedTime(out))
        .as("go build -o touched its output")
        .isNotEqualTo(firstMtime);
    assertThat(blobs(outDir.resolve("layers")))
        .as("no blob written: same files, same inodes")
        .isEqualTo(blobs);
    assertThat(second.digest()).isEqualTo(first.digest());
    JsonNode meta = new ObjectMapper().readTree(outDir.resolve("layer.json").toFile());
    assertThat(meta.path("key").asText()).startsWith("go-build-id:");
    assertThat(meta.path("versionM").asText())
        .startsWith("/ko-app/app: go1.")
        .contains("\tpath\t" + IMPORT_PATH + "\n");
  }

  private Image build(Path module, Path cache) throws IOException {
    Path temp = Files.createTempDirectory(tmp, "run-");
    BuildOptions options =
        TestBuildOptions.builder(module, cache, temp)
            .defaultBaseImage("registry.example.com/base:1")
            .environment(System.getenv())
            .sbom(new SbomOptions(true, "", "test"))
            .build();
    BuiltImage base = baseImage();
    TaskGroup tasks = new TaskGroup(executor);
    BaseImages bases = new BaseImages(ref -> base, options, tasks, Log.NONE);
    CountingGo go = new CountingGo();
    GoBuilder builder = new GoBuilder(options, go, bases, Log.NONE);
    String ref = builder.qualifyImport("./cmd/app");
    builder.checkSupported(ref);
    Image image = (Image) tasks.join(builder.build(ref, tasks));
    assertThat(go.commands).as("go runs").containsExactly("list", "build");
    return image;
  }

  /** Blob file names and their inodes. */
  private static Map<Path, Object> blobs(Path dir) throws IOException {
    Map<Path, Object> out = new TreeMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        out.put(p.getFileName(), Files.readAttributes(p, BasicFileAttributes.class).fileKey());
      }
    }
    return out;
  }

  private BuiltImage baseImage() throws IOException {
    LayerFile layer =
        LayerFile.write(
            Files.createTempFile(tmp, "base-", ".tar.gz"),
            MediaType.OCI_LAYER,
            tar ->
                tar.file(
                    "/etc/base-release",
                    0444,
                    0,
                    "base\n".getBytes(StandardCharsets.UTF_8),
                    Map.of()));
    ConfigFile config =
        ConfigFile.parse(
                ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                        + "\"diff_ids\":[]},\"config\":{}}")
                    .getBytes(StandardCharsets.UTF_8))
            .withAddedLayers(List.of(layer.diffId()), List.of());
    Manifest manifest =
        new Manifest(
            2,
            MediaType.OCI_MANIFEST,
            Descriptor.of(MediaType.OCI_CONFIG, 0, Digest.of(new byte[0])),
            List.of(layer.descriptor()),
            null,
            null);
    return BuiltImage.of(manifest, config, List.of(layer));
  }
}
