package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.testing.GoModules;
import dev.ko.testing.KoRunner;
import dev.ko.testing.Proc;
import dev.ko.testing.SpliceOracle;
import dev.ko.testing.TestBed;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ko resolve} on a directory of real-world-shaped manifests, against the real registry and
 * real go: every other byte kept, each reference built once, the images real and runnable.
 */
@Tag("integration")
class ResolveIntegrationTest {
  static final String MODULE = "example.com/app";
  static final List<String> COMMANDS = List.of("controller", "hello", "init", "queue", "sidecar");
  static final List<String> FIXTURES =
      List.of(
          "configmap.yaml",
          "controller.yaml",
          "crlf.yaml",
          "deployment.yaml",
          "list.yaml",
          "multidoc.yaml",
          "no-newline.yaml",
          "pod.json",
          "styles.yaml",
          "utf8.yaml");

  private final TestBed bed = TestBed.plain();

  @TempDir Path tmp;

  static byte[] fixture(String name) throws IOException {
    try (InputStream in = ResolveIntegrationTest.class.getResourceAsStream("/golden/" + name)) {
      return in.readAllBytes();
    }
  }

  static Map<String, String> env(TestBed bed, Path tmp, String repo) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/" + repo);
    env.put("KO_DEFAULTBASEIMAGE", bed.base());
    env.put("KOCACHE", tmp.resolve("cache").toString());
    env.put("DOCKER_CONFIG", tmp.resolve("no-docker-config").toString());
    return env;
  }

  static String md5(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  /** The one published reference per command found in the output, keyed by its ko:// reference. */
  static Map<String, String> publishedIn(String output, String registryRepo) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    for (String cmd : COMMANDS) {
      String ip = MODULE + "/cmd/" + cmd;
      Matcher m =
          Pattern.compile(
                  Pattern.quote(registryRepo + "/" + cmd + "-" + md5(ip)) + "@sha256:[0-9a-f]{64}")
              .matcher(output);
      TreeSet<String> found = new TreeSet<>();
      while (m.find()) {
        found.add(m.group());
      }
      assertThat(found).as("one digest for " + ip).hasSize(1);
      out.put("ko://" + ip, found.first());
    }
    return out;
  }

  @Test
  void resolvesADirectoryKeepingEveryOtherByteAndRunsAnImage() throws Exception {
    Path module = GoModules.mainPackages(tmp.resolve("app"), MODULE, COMMANDS);
    Path config = Files.createDirectories(module.resolve("config"));
    for (String f : FIXTURES) {
      Files.write(config.resolve(f), fixture(f));
    }
    Files.write(config.resolve("extra.yml"), fixture("configmap.yaml"));
    Files.createDirectories(config.resolve("sub"));
    Files.write(config.resolve("sub/nested.yaml"), fixture("controller.yaml"));
    Files.writeString(config.resolve("notes.txt"), "image: ko://example.com/app/cmd/nope\n");

    KoRunner.Result r =
        KoRunner.in(module, env(bed, tmp, "it-resolve")).run("resolve", "-R", "-f", "config");
    assertThat(r.exit()).as(r.describe()).isZero();

    // Enumeration: lexical, sub-directories in place (-R), .yml too, other extensions skipped.
    List<String> order =
        List.of(
            "configmap.yaml",
            "controller.yaml",
            "crlf.yaml",
            "deployment.yaml",
            "extra.yml",
            "list.yaml",
            "multidoc.yaml",
            "no-newline.yaml",
            "pod.json",
            "styles.yaml",
            "sub/nested.yaml",
            "utf8.yaml");
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (String f : order) {
      expected.write(Files.readAllBytes(config.resolve(f)));
      expected.write("\n---\n".getBytes(StandardCharsets.UTF_8));
    }
    Map<String, String> published = publishedIn(r.stdout(), bed.registry() + "/it-resolve");
    Map<String, String> back = new HashMap<>();
    published.forEach((ref, pub) -> back.put(pub, ref));
    assertThat(SpliceOracle.mapBack(r.stdout(), back))
        .as(
            "mapping every published reference back gives the inputs, each followed by ko's"
                + " separator")
        .isEqualTo(expected.toString(StandardCharsets.UTF_8));
    String first = r.stdout().substring(0, r.stdout().indexOf("\n---\n"));
    SpliceOracle.assertSameTreesWithReferencesReplaced(
        new String(fixture("configmap.yaml"), StandardCharsets.UTF_8), first, published);

    for (String cmd : COMMANDS) {
      String building = "Building " + MODULE + "/cmd/" + cmd + " for linux/amd64";
      assertThat(r.stderr().split("\n"))
          .as("built once: " + cmd)
          .filteredOn(l -> l.endsWith(building))
          .hasSize(1);
    }
    assertThat(r.stderr()).doesNotContain("cmd/nope");

    ObjectMapper json = new ObjectMapper();
    for (String pub : published.values()) {
      JsonNode manifest = json.readTree(bed.skopeoInspect(pub, "--raw"));
      assertThat(manifest.at("/layers").size()).as(pub).isEqualTo(4);
    }
    Proc.Result run =
        bed.runImage(published.get("ko://" + MODULE + "/cmd/queue"), tmp.resolve("unpacked"));
    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stdout()).contains("hello from queue []");
  }

  @Test
  void readsStandardInputAndFiltersWithASelector() throws Exception {
    Path module = GoModules.mainPackages(tmp.resolve("app"), MODULE, COMMANDS);
    String two =
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: a, labels: {app: a}}
        spec: {containers: [{name: c, image: ko://example.com/app/cmd/hello}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: b, labels: {app: b}}
        spec: {containers: [{name: c, image: ko://example.com/app/cmd/init}]}
        """;
    KoRunner.Result r =
        KoRunner.in(module, env(bed, tmp, "it-stdin"))
            .withStdin(two.getBytes(StandardCharsets.UTF_8))
            .run("resolve", "-f", "-", "-l", "app notin (a)");
    assertThat(r.exit()).as(r.describe()).isZero();
    String initRepo = bed.registry() + "/it-stdin/init-" + md5(MODULE + "/cmd/init");
    assertThat(r.stdout())
        .matches(
            "(?s)---\napiVersion: v1\nkind: Pod\nmetadata: \\{name: b, labels: \\{app: b}}\n"
                + "spec: \\{containers: \\[\\{name: c, image: "
                + Pattern.quote(initRepo)
                + "@sha256:[0-9a-f]{64}}]}\n\n---\n");
    assertThat(r.stderr())
        .as("the dropped document's image is not built")
        .doesNotContain("cmd/hello");
  }
}
