package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.testing.KoRunner;
import dev.ko.testing.TestBed;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad configuration: one {@code Error:} line naming the file, line and key where there is one, exit
 * 1, nothing on stdout, nothing built and nothing pushed.
 */
@Tag("integration")
class ConfigErrorsIntegrationTest {
  private final TestBed bed = TestBed.plain();

  @TempDir Path tmp;

  private Path module(String koYaml) throws Exception {
    return ConfigModule.create(tmp.resolve("cfgapp"), koYaml, false);
  }

  private String koYaml() {
    return tmp.resolve("cfgapp/.ko.yaml").toString();
  }

  private Map<String, String> env(String repo) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/" + repo);
    env.put("KO_DEFAULTBASEIMAGE", bed.base());
    env.put("KOCACHE", tmp.resolve("cache").toString());
    return env;
  }

  /**
   * Asserts ko's failure shape, that go built nothing and nothing was pushed; returns the error
   * line.
   */
  private String failure(KoRunner.Result r, String repo) throws Exception {
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.stdout()).as("nothing on stdout").isEmpty();
    List<String> errors =
        Arrays.stream(r.stderr().split("\n")).filter(l -> l.startsWith("Error:")).toList();
    assertThat(errors).as(r.stderr()).hasSize(1);
    assertThat(r.stderr().strip()).as("the error is the last line").endsWith(errors.get(0));
    assertThat(r.stderr()).as("no go build ran").doesNotContain("Building ");
    Path bin = tmp.resolve("cache/bin");
    if (Files.exists(bin)) {
      try (Stream<Path> files = Files.walk(bin)) {
        assertThat(files.filter(p -> p.getFileName().toString().equals("out")))
            .as("no binary")
            .isEmpty();
      }
    }
    for (String ip : List.of(ConfigModule.APP, ConfigModule.OTHER)) {
      String name = ip.substring(ip.lastIndexOf('/') + 1);
      assertThat(bed.tags(repo + "/" + name + "-" + md5(ip))).as("nothing pushed").isEmpty();
    }
    return errors.get(0);
  }

  private KoRunner.Result build(Path module, String repo, String... args) {
    return build(module, env(repo), args);
  }

  private static KoRunner.Result build(Path module, Map<String, String> env, String... args) {
    String[] all =
        Stream.concat(
                Stream.of("build"),
                Arrays.stream(args.length == 0 ? new String[] {"./cmd/app", "./cmd/other"} : args))
            .toArray(String[]::new);
    return KoRunner.in(module, env).run(all);
  }

  @Test
  void malformedYaml() throws Exception {
    Path m = module("builds:\n- main: ./cmd/app\n  ldflags: [unclosed\n");
    String e = failure(build(m, "err-cfg-yaml"), "err-cfg-yaml");
    assertThat(e).startsWith("Error: " + koYaml() + ":").contains("invalid YAML");
    Path m2 = module("defaultPlatforms: linux/amd64\nbuilds: - main\n");
    assertThat(failure(build(m2, "err-cfg-yaml"), "err-cfg-yaml"))
        .startsWith("Error: " + koYaml() + ":2:")
        .contains("invalid YAML");
  }

  @Test
  void wrongTypeForAKey() throws Exception {
    Path m = module("defaultBaseImage: " + bed.base() + "\ndefaultPlatforms:\n  linux: amd64\n");
    assertThat(failure(build(m, "err-cfg-type"), "err-cfg-type"))
        .isEqualTo(
            "Error: "
                + koYaml()
                + ":3: 'defaultPlatforms': expected a string or a list of strings, got a mapping");
    Path m2 = module("builds:\n- main: ./cmd/app\n  env:\n    FOO: bar\n");
    assertThat(failure(build(m2, "err-cfg-type"), "err-cfg-type"))
        .isEqualTo(
            "Error: "
                + koYaml()
                + ":4: 'builds[0].env': expected a string or a list of strings, got a mapping");
  }

  @Test
  void aMainThatDoesNotExist() throws Exception {
    Path m = module("builds:\n- id: app\n  main: ./cmd/ap\n");
    assertThat(failure(build(m, "err-cfg-main"), "err-cfg-main"))
        .startsWith(
            "Error: " + koYaml() + ":3: builds[0].main: \"./cmd/ap\" does not exist in dir \".\"");
  }

  @Test
  void aBuildDirOutsideTheModule() throws Exception {
    ConfigModule.write(tmp, "outside/main.go", "package main\n\nfunc main() {}\n");
    Path m = module("builds:\n- id: outside\n  dir: ../outside\n  main: .\n");
    assertThat(failure(build(m, "err-cfg-dir"), "err-cfg-dir"))
        .startsWith(
            "Error: "
                + koYaml()
                + ":3: builds[0].dir: \"../outside\" does not contain a valid local import path"
                + " (.)")
        .contains("go.mod file not found");
  }

  @Test
  void anUnknownTemplateKey() throws Exception {
    Path m =
        module(
            """
            builds:
            - main: ./cmd/other
            - main: ./cmd/app
              ldflags:
              - -s
              - -X main.version={{.Env.NOT_SET_ANYWHERE}}
            """);
    assertThat(failure(build(m, "err-cfg-tmpl"), "err-cfg-tmpl"))
        .isEqualTo(
            "Error: "
                + koYaml()
                + ":4: builds[1].ldflags: template \"-X main.version={{.Env.NOT_SET_ANYWHERE}}\": "
                + "at <.Env.NOT_SET_ANYWHERE>: map has no entry for key \"NOT_SET_ANYWHERE\"");
  }

  @Test
  void anUnsupportedTemplateAction() throws Exception {
    Path m = module("defaultLdflags: [\"-X main.version={{ .Git.Tag | printf \\\"%s\\\" }}\"]\n");
    assertThat(failure(build(m, "err-cfg-tmpl2"), "err-cfg-tmpl2"))
        .startsWith("Error: " + koYaml() + ":1: defaultLdflags: template ")
        .contains("unsupported action");
  }

  @Test
  void aBadCapability() throws Exception {
    Path m =
        module("builds:\n- main: ./cmd/app\n  linux_capabilities: [chown, net_bind_servise]\n");
    assertThat(failure(build(m, "err-cfg-caps"), "err-cfg-caps"))
        .isEqualTo(
            "Error: "
                + koYaml()
                + ":3: builds[0].linux_capabilities: linux_capabilities: unknown capability:"
                + " \"net_bind_servise\"");
  }

  @Test
  void aBadBaseImageReference() throws Exception {
    Path m = module("baseImageOverrides:\n  example.com/cfgapp/cmd/app: \"not a reference\"\n");
    assertThat(failure(build(m, "err-cfg-ref"), "err-cfg-ref"))
        .startsWith(
            "Error: "
                + koYaml()
                + ":1: 'baseImageOverrides': error parsing \"not a reference\" as image reference");
  }

  @Test
  void aKoLocalBaseImage() throws Exception {
    Path m = module("defaultBaseImage: ko.local/my-base:1\n");
    Map<String, String> env = env("err-cfg-kolocal");
    env.remove("KO_DEFAULTBASEIMAGE");
    assertThat(failure(build(m, env), "err-cfg-kolocal"))
        .isEqualTo(
            "Error: "
                + koYaml()
                + ":1: 'defaultBaseImage': \"ko.local/my-base:1\" is an image in the local Docker"
                + " daemon (ko.local), which ko-jvm cannot use as a base image: push it to a"
                + " registry and use that reference");
  }

  @Test
  void platformsWithGoosSetButEmpty() throws Exception {
    Path m = module("");
    Map<String, String> env = env("err-cfg-goos");
    env.put("GOOS", "");
    assertThat(failure(build(m, env, "./cmd/app", "--platform", "linux/amd64"), "err-cfg-goos"))
        .as("set, though empty, as ko's os.LookupEnv sees it")
        .isEqualTo(
            "Error: cannot use --platform or defaultPlatforms in .ko.yaml or env"
                + " KO_DEFAULTPLATFORMS combined with GOOS=\"\"");
  }

  @Test
  void aBadSourceDateEpoch() throws Exception {
    Path m = module("");
    Map<String, String> env = env("err-cfg-sde");
    env.put("SOURCE_DATE_EPOCH", "yesterday");
    assertThat(failure(build(m, env), "err-cfg-sde"))
        .isEqualTo(
            "Error: the environment variable SOURCE_DATE_EPOCH should be the number of seconds"
                + " since January 1st 1970, 00:00 UTC, got: \"yesterday\"");
    env.put("SOURCE_DATE_EPOCH", "1700000000");
    env.put("KO_DATA_DATE_EPOCH", "1.5");
    assertThat(failure(build(m, env), "err-cfg-sde"))
        .startsWith("Error: the environment variable KO_DATA_DATE_EPOCH");
  }

  @Test
  void aBadLabelOrAnnotation() throws Exception {
    Path m = module("");
    assertThat(
            failure(
                build(m, "err-cfg-label", "./cmd/app", "--image-label", "team"), "err-cfg-label"))
        .isEqualTo("Error: invalid label flag: team");
    assertThat(
            failure(
                build(m, "err-cfg-label", "./cmd/app", "--image-annotation", "a=b,note"),
                "err-cfg-label"))
        .isEqualTo("Error: missing '=' in annotation: note");
  }

  @Test
  void koConfigPathThatDoesNotExist() throws Exception {
    Path m = module("");
    Map<String, String> env = env("err-cfg-path");
    env.put("KO_CONFIG_PATH", "conf/missing.yaml");
    assertThat(failure(build(m, env), "err-cfg-path"))
        .isEqualTo(
            "Error: error looking for config file: stat conf/missing.yaml: no such file or"
                + " directory");
  }

  @Test
  void toolexecInTheConfigOrGoflags() throws Exception {
    Path m = module("builds:\n- main: ./cmd/app\n  flags: -toolexec go\n");
    assertThat(failure(build(m, "err-cfg-toolexec"), "err-cfg-toolexec"))
        .isEqualTo("Error: " + koYaml() + ":3: builds[0].flags: cannot set -toolexec");
    Path m2 = module("");
    Map<String, String> env = env("err-cfg-toolexec");
    env.put("GOFLAGS", "-v -toolexec=/bin/true");
    assertThat(failure(build(m2, env), "err-cfg-toolexec"))
        .isEqualTo("Error: cannot set -toolexec=/bin/true via GOFLAGS environment variable");
  }

  private static String md5(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
