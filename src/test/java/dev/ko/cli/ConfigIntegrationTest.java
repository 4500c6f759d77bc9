package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.testing.GitRepo;
import dev.ko.testing.KoRunner;
import dev.ko.testing.Proc;
import dev.ko.testing.TestBed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code .ko.yaml}, the KO_* variables and the image metadata flags against the real registry and
 * go; images are read back with skopeo, unpacked with umoci and run.
 */
@Tag("integration")
class ConfigIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TestBed bed = TestBed.plain();

  @TempDir Path tmp;

  private String koYaml() {
    return """
    # ko's configuration, as a ko user writes it
    defaultBaseImage: %s
    baseImageOverrides:
      example.com/cfgapp/cmd/app: %s
    defaultLdflags:
    - -X main.version=default-{{.Git.TreeState}}
    builds:
    - id: app
      main: ./cmd/app
      ldflags:
      - -s -w
      - -X main.version={{.Env.SOME_VAR}}-{{.Git.ShortCommit}}
      linux_capabilities: net_bind_service=ep
      goos: [linux]  # GoReleaser keys mean nothing to ko
    """
        .formatted(bed.base(), bed.get("TESTBED_BASE_SINGLE"));
  }

  private Map<String, String> env(String repo, Path cache) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/" + repo);
    env.put("KOCACHE", cache.toString());
    env.put("TZ", "UTC");
    return env;
  }

  @Test
  void koYamlEnvironmentAndMetadataFlagsShapeTheImages() throws Exception {
    Path module = ConfigModule.create(tmp.resolve("cfgapp"), koYaml(), true);
    String shortCommit = GitRepo.git(module, "rev-parse", "--short", "HEAD");
    Map<String, String> env = env("it-config", tmp.resolve("cache"));
    env.put("SOME_VAR", "hello");
    env.put("SOURCE_DATE_EPOCH", "1700000000");
    env.put("KO_DATA_DATE_EPOCH", "1600000000");
    env.put("KO_FLAGS", "--platform=badvalue"); // ko #1317: must change nothing

    KoRunner.Result r =
        KoRunner.in(module, env)
            .run(
                "build",
                "./cmd/app",
                "./cmd/other",
                "--image-label",
                "org.example.team=platform",
                "--image-label=tier=backend,empty=",
                "--image-annotation",
                "org.example.note=hi",
                "--image-user",
                "1234:1234");
    assertThat(r.exit()).as(r.describe()).isZero();
    String[] refs = r.stdout().strip().split("\n", -1);
    assertThat(refs).hasSize(2);
    assertThat(r.stderr()).contains("Using build config app for " + ConfigModule.APP);

    // cmd/app: its builds entry (ldflags template, capabilities) and its base override.
    String app = refs[0];
    JsonNode manifest = JSON.readTree(bed.skopeoInspect(app, "--raw"));
    assertThat(manifest.at("/annotations/org.opencontainers.image.base.name").asText())
        .isEqualTo(bed.get("TESTBED_BASE_SINGLE"));
    assertThat(manifest.at("/annotations/org.example.note").asText()).isEqualTo("hi");
    JsonNode config = JSON.readTree(bed.skopeoInspect(app, "--config"));
    assertThat(config.at("/created").asText()).isEqualTo("2023-11-14T22:13:20Z");
    assertThat(config.at("/config/User").asText()).isEqualTo("1234:1234");
    assertThat(config.at("/config/Labels").toString())
        .isEqualTo("{\"empty\":\"\",\"org.example.team\":\"platform\",\"tier\":\"backend\"}");
    JsonNode history = config.at("/history");
    assertThat(history.get(history.size() - 2).at("/created").asText())
        .as("kodata")
        .isEqualTo("2020-09-13T12:26:40Z");
    assertThat(history.get(history.size() - 1).at("/created").asText())
        .as("binary")
        .isEqualTo("2023-11-14T22:13:20Z");

    Path unpacked = tmp.resolve("run-app");
    Proc.Result run = bed.runImage(app, unpacked);
    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stdout())
        .isEqualTo(
            "version: hello-"
                + shortCommit
                + "\n"
                + "kodata: Hello from kodata\n"
                + "uid 1234 permitted 0x400 effective 0x400\n");
    Proc.Result getcap =
        Proc.run(
            tmp,
            Map.of(),
            List.of("getcap", unpacked.resolve("bundle/rootfs/ko-app/app").toString()));
    assertThat(getcap.stdout())
        .as("umoci applied the security.capability xattr")
        .contains("cap_net_bind_service=ep");

    // Every kodata entry carries KO_DATA_DATE_EPOCH (read by GNU tar from the pulled layer).
    String kodataLayer =
        manifest.at("/layers").get(manifest.at("/layers").size() - 2).at("/digest").asText();
    Path blob = unpacked.resolve("oci/blobs/sha256/" + kodataLayer.substring(7));
    Proc.Result tar =
        Proc.run(
            tmp,
            Map.of("TZ", "UTC"),
            List.of("tar", "--full-time", "-P", "-tvzf", blob.toString()));
    assertThat(tar.exit()).as(tar.stderr()).isZero();
    List<String> entries = tar.stdout().lines().toList();
    assertThat(entries).hasSize(4).allSatisfy(l -> assertThat(l).contains("2020-09-13 12:26:40"));

    // cmd/other: no builds entry, so defaultLdflags; the default base.
    String other = refs[1];
    JsonNode otherManifest = JSON.readTree(bed.skopeoInspect(other, "--raw"));
    assertThat(otherManifest.at("/annotations/org.opencontainers.image.base.name").asText())
        .isEqualTo(bed.base());
    assertThat(otherManifest.at("/annotations/org.opencontainers.image.base.digest").asText())
        .isEqualTo(bed.get("TESTBED_BASE_AMD64_DIGEST"));
    Proc.Result runOther = bed.runImage(other, tmp.resolve("run-other"));
    assertThat(runOther.exit()).as(runOther.stderr()).isZero();
    assertThat(runOther.stdout()).isEqualTo("version: default-clean\n");
  }

  @Test
  void environmentVariablesOverrideKoYaml() throws Exception {
    Path module = ConfigModule.create(tmp.resolve("cfgapp"), "", false);
    ConfigModule.write(
        module,
        "conf/ko.yaml",
        "defaultBaseImage: "
            + bed.get("TESTBED_BASE_SINGLE")
            + "\n"
            + "defaultLdflags: [-X main.version=from-yaml]\n"
            + "builds:\n- main: ./cmd/app\n  ldflags: [-X main.version=from-config-path]\n");
    Map<String, String> env = env("it-config-env", tmp.resolve("cache"));
    env.put("KO_CONFIG_PATH", "conf/ko.yaml");
    env.put("KO_DEFAULTBASEIMAGE", bed.get("TESTBED_BASE_DOCKER"));
    env.put("KO_DEFAULTLDFLAGS", "-s -w -X main.version=from-env");
    env.put("KO_DEFAULTPLATFORMS", "linux/arm64");
    env.put("KO_BASEIMAGEOVERRIDES", "{\"Example.com/CfgApp/cmd/app\": \"" + bed.base() + "\"}");
    KoRunner.Result r = KoRunner.in(module, env).run("build", "./cmd/other", "./cmd/app");
    assertThat(r.exit()).as(r.describe()).isZero();
    String[] refs = r.stdout().strip().split("\n", -1);

    JsonNode other = JSON.readTree(bed.skopeoInspect(refs[0], "--raw"));
    assertThat(other.at("/mediaType").asText())
        .as("the Docker base from KO_DEFAULTBASEIMAGE")
        .isEqualTo("application/vnd.docker.distribution.manifest.v2+json");
    assertThat(other.at("/annotations/org.opencontainers.image.base.name").asText())
        .isEqualTo(bed.get("TESTBED_BASE_DOCKER"));
    assertThat(other.at("/annotations/org.opencontainers.image.base.digest").asText())
        .as("linux/arm64 from KO_DEFAULTPLATFORMS")
        .isEqualTo(bed.get("TESTBED_BASE_DOCKER_ARM64_DIGEST"));
    Proc.Result run = bed.runImage(refs[0], tmp.resolve("run"), "arm64", "v8");
    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stdout()).isEqualTo("version: from-env\n");

    JsonNode app = JSON.readTree(bed.skopeoInspect(refs[1], "--raw"));
    assertThat(app.at("/annotations/org.opencontainers.image.base.name").asText())
        .as("KO_BASEIMAGEOVERRIDES, matched case-insensitively")
        .isEqualTo(bed.base());
    assertThat(app.at("/annotations/org.opencontainers.image.base.digest").asText())
        .isEqualTo(bed.get("TESTBED_BASE_ARM64_DIGEST"));
    Proc.Result runApp = bed.runImage(refs[1], tmp.resolve("run-app"), "arm64", "v8");
    assertThat(runApp.exit()).as(runApp.stderr()).isZero();
    assertThat(runApp.stdout())
        .as("the builds entry of the KO_CONFIG_PATH file")
        .startsWith("version: from-config-path\nkodata: Hello from kodata\n");
  }

  @Test
  void koGoPathChoosesTheGoBinary() throws Exception {
    Path module =
        ConfigModule.create(
            tmp.resolve("cfgapp"),
            "defaultBaseImage: "
                + bed.base()
                + "\ndefaultLdflags: ['-X main.version={{.GoEnv.GOOS}}']\n",
            false);
    Path calls = tmp.resolve("go-calls.txt");
    Path wrapper = tmp.resolve("bin/my-go");
    String realGo = Proc.run(tmp, Map.of(), List.of("sh", "-c", "command -v go")).stdout().strip();
    ConfigModule.write(
        tmp, "bin/my-go", "#!/bin/sh\necho \"$1\" >> " + calls + "\nexec " + realGo + " \"$@\"\n");
    assertThat(wrapper.toFile().setExecutable(true)).isTrue();
    Map<String, String> env = env("it-config-gopath", tmp.resolve("cache"));
    env.put("KO_GO_PATH", wrapper.toString());
    KoRunner.Result r = KoRunner.in(module, env).run("build", "./cmd/other");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(Files.readAllLines(calls))
        .as("go list, go env for .GoEnv, go build")
        .contains("list", "env", "build");
    Proc.Result run = bed.runImage(r.stdout().strip(), tmp.resolve("run"));
    assertThat(run.stdout()).isEqualTo("version: linux\n");

    env.put("KO_GO_PATH", tmp.resolve("bin/no-such-go").toString());
    KoRunner.Result missing = KoRunner.in(module, env).run("build", "./cmd/other");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.stdout()).isEmpty();
    assertThat(missing.stderr()).contains("Error: ").contains("no-such-go");
  }

  @Test
  void sameDigestFromTwoCheckoutsBuiltTwiceEach() throws Exception {
    String yaml =
        koYaml()
            + """
            - main: ./cmd/other
              ldflags: ["-X main.version={{.Git.FullCommit}}@{{.Date}}/{{.Timestamp}}/{{.GoEnv.GOARCH}}"]
            """;
    Path first = ConfigModule.create(tmp.resolve("a/cfgapp"), yaml, true);
    Path second = ConfigModule.create(tmp.resolve("b/deeper/checkout"), yaml, true);
    assertThat(GitRepo.git(second, "rev-parse", "HEAD"))
        .as("same files, same fixed dates")
        .isEqualTo(GitRepo.git(first, "rev-parse", "HEAD"));
    List<String> digests = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    for (Path checkout : List.of(first, second, first, second)) {
      Map<String, String> env = env("it-config-repro", checkout.getParent().resolve("kocache"));
      env.put("SOME_VAR", "v1");
      env.put("SOURCE_DATE_EPOCH", "1700000000");
      KoRunner.Result r = KoRunner.in(checkout, env).run("build", "./cmd/app", "./cmd/other");
      assertThat(r.exit()).as(r.describe()).isZero();
      outputs.add(r.stdout());
      Matcher m = Pattern.compile("@(sha256:[0-9a-f]{64})").matcher(r.stdout());
      StringBuilder both = new StringBuilder();
      while (m.find()) {
        both.append(m.group(1)).append(' ');
      }
      digests.add(both.toString());
    }
    assertThat(digests).as("two checkouts, two builds each").containsOnly(digests.get(0));
    assertThat(outputs.get(0)).isEqualTo(outputs.get(3));

    Proc.Result run = bed.runImage(outputs.get(0).split("\n", -1)[1], tmp.resolve("run"));
    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stdout())
        .isEqualTo(
            "version: "
                + GitRepo.git(first, "rev-parse", "HEAD")
                + "@2023-11-14T22:13:20Z/1700000000/amd64\n");
  }
}
