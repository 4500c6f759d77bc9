package dev.ko.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.testing.RecordingLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code .ko.yaml} loading, mirroring ko's options tests plus our file/line errors. */
class KoConfigTest {
  @TempDir Path dir;

  private final RecordingLog log = new RecordingLog();
  private final List<String> logged = log.lines;

  private KoConfig load(String yaml, Map<String, String> env) throws Exception {
    Files.writeString(dir.resolve(".ko.yaml"), yaml);
    return KoConfig.load(dir, new Env(env), log);
  }

  private KoConfig load(String yaml) throws Exception {
    return load(yaml, Map.of());
  }

  private String error(String yaml) {
    return error(yaml, Map.of());
  }

  private String error(String yaml, Map<String, String> env) {
    try {
      load(yaml, env);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).as("one line").doesNotContain("\n");
      return e.getMessage();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no error for:\n" + yaml);
  }

  private String file() {
    return dir.resolve(".ko.yaml").toString();
  }

  @Test
  void noFileIsFine() {
    KoConfig c = KoConfig.load(dir, new Env(Map.of()), log);
    assertThat(c.file()).isNull();
    assertThat(c.defaultBaseImage()).isEmpty();
    assertThat(c.builds()).isEmpty();
  }

  @Test
  void koFixtures() throws Exception {
    assertThat(load("defaultBaseImage: alpine\n").defaultBaseImage()).isEqualTo("alpine");
    assertThat(load("defaultPlatforms: all\n").defaultPlatforms()).containsExactly("all");
    assertThat(load("defaultPlatforms:\n- linux/arm64\n- linux/amd64\n").defaultPlatforms())
        .containsExactly("linux/arm64", "linux/amd64");
    assertThat(load("defaultEnv: FOO=bar\n").defaultEnv()).containsExactly("FOO=bar");
    assertThat(load("defaultFlags: [-tags, netgo]\n").defaultFlags())
        .containsExactly("-tags", "netgo");
    assertThat(load("defaultLdflags: [\"-s -w\"]\n").defaultLdflags()).containsExactly("-s -w");
  }

  @Test
  void aStringWhereAListIsExpectedIsSplitOnWhitespaceAsViperDoes() throws Exception {
    KoConfig c = load("defaultLdflags: -s -w\ndefaultPlatforms: linux/arm64,linux/amd64\n");
    assertThat(c.defaultLdflags()).containsExactly("-s", "-w");
    assertThat(c.defaultPlatforms())
        .as("split on commas later, by the platform matcher")
        .containsExactly("linux/arm64,linux/amd64");
  }

  @Test
  void keysAreCaseInsensitive() throws Exception {
    KoConfig c =
        load(
            """
            DefaultBaseImage: alpine
            DEFAULTENV: [A=b]
            builds:
            - ID: x
              Main: ./cmd
              LDFLAGS: -s -w
            """);
    assertThat(c.defaultBaseImage()).isEqualTo("alpine");
    assertThat(c.defaultEnv()).containsExactly("A=b");
    assertThat(c.builds().get(0).id()).isEqualTo("x");
    assertThat(c.builds().get(0).main()).isEqualTo("./cmd");
    assertThat(c.builds().get(0).ldflags()).containsExactly("-s -w");
  }

  @Test
  void baseImageOverridesAreKeyedByLowerCaseImportPath() throws Exception {
    KoConfig c =
        load(
            """
            baseImageOverrides:
              github.com/My-User/repo/cmd/App: registry.example.com/base/for/app
              example.com/empty: ""
            """);
    assertThat(c.baseImageOverrides())
        .containsExactly(
            Map.entry("github.com/my-user/repo/cmd/app", "registry.example.com/base/for/app"),
            Map.entry("example.com/empty", ""));
  }

  @Test
  void buildsEntries() throws Exception {
    KoConfig c =
        load(
            """
            builds:
            - id: foo
              dir: ./app
              main: ./cmd/foo
              env: [GOPRIVATE=git.internal.example.com, FOO=bar]
              flags: -tags netgo
              ldflags: -s -w
              linux_capabilities: net_bind_service chown
              goos: [linux]
              binary: ignored
            - main: ./cmd/bar
              flags: [-v]
              ldflags: []
            """);
    KoConfig.Build foo = c.builds().get(0);
    assertThat(foo.id()).isEqualTo("foo");
    assertThat(foo.dir()).isEqualTo("./app");
    assertThat(foo.main()).isEqualTo("./cmd/foo");
    assertThat(foo.env()).containsExactly("GOPRIVATE=git.internal.example.com", "FOO=bar");
    assertThat(foo.flags()).as("FlagArray: a string is split").containsExactly("-tags", "netgo");
    assertThat(foo.ldflags()).as("StringArray: a string is one element").containsExactly("-s -w");
    assertThat(foo.linuxCapabilities()).containsExactly("net_bind_service", "chown");
    assertThat(foo.where("ldflags")).isEqualTo(file() + ":7: builds[0].ldflags");
    assertThat(foo.origins())
        .as("final, so they can be handed on as they are")
        .containsOnly(
            Map.entry("", file() + ":2: builds[0]"),
            Map.entry("id", file() + ":2: builds[0].id"),
            Map.entry("dir", file() + ":3: builds[0].dir"),
            Map.entry("main", file() + ":4: builds[0].main"),
            Map.entry("env", file() + ":5: builds[0].env"),
            Map.entry("flags", file() + ":6: builds[0].flags"),
            Map.entry("ldflags", file() + ":7: builds[0].ldflags"),
            Map.entry("linux_capabilities", file() + ":8: builds[0].linux_capabilities"));

    KoConfig.Build bar = c.builds().get(1);
    assertThat(bar.id()).as("ko's default id").isEqualTo("#1");
    assertThat(bar.dir()).isEqualTo(".");
    assertThat(bar.main()).isEqualTo("./cmd/bar");
    assertThat(bar.where("dir"))
        .as("not given: the entry's position")
        .isEqualTo(file() + ":11: builds[1].dir");
    assertThat(bar.env()).as("not given").isNull();
    assertThat(bar.ldflags()).as("given as empty").isEmpty();
    assertThat(logged).as("GoReleaser keys are ignored silently").isEmpty();
  }

  @Test
  void unknownTopLevelKeysAreWarnedAbout() throws Exception {
    KoConfig c = load("defaultBaseImage: alpine\nflags: [-v]\n");
    assertThat(c.defaultFlags()).isEmpty();
    assertThat(logged)
        .singleElement()
        .asString()
        .contains(file() + ":2")
        .contains("unknown key 'flags'")
        .contains("ignored");
  }

  @Test
  void environmentBeatsTheFile() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DEFAULTBASEIMAGE", "gcr.io/from/env:tag");
    env.put("KO_DEFAULTPLATFORMS", "linux/arm64 linux/amd64");
    env.put("KO_DEFAULTENV", "A=1  B=2");
    env.put("KO_DEFAULTFLAGS", "-tags netgo");
    env.put("KO_DEFAULTLDFLAGS", "-s -w");
    env.put("KO_BASEIMAGEOVERRIDES", "{\"Example.com/App\": \"gcr.io/base:1\"}");
    KoConfig c =
        load(
            "defaultBaseImage: alpine\ndefaultEnv: [C=3]\nbaseImageOverrides: {x.com/y: alpine}\n",
            env);
    assertThat(c.defaultBaseImage()).isEqualTo("gcr.io/from/env:tag");
    assertThat(c.defaultPlatforms()).containsExactly("linux/arm64", "linux/amd64");
    assertThat(c.defaultEnv()).containsExactly("A=1", "B=2");
    assertThat(c.defaultFlags()).containsExactly("-tags", "netgo");
    assertThat(c.defaultLdflags()).containsExactly("-s", "-w");
    assertThat(c.baseImageOverrides())
        .containsExactly(Map.entry("example.com/app", "gcr.io/base:1"));
    assertThat(c.where(KoConfig.DEFAULT_ENV)).isEqualTo("KO_DEFAULTENV");
    assertThat(load("defaultEnv: [C=3]\n").where(KoConfig.DEFAULT_ENV))
        .isEqualTo(file() + ":1: defaultEnv");
    assertThat(load("").where(KoConfig.DEFAULT_ENV)).isEqualTo("defaultEnv");
  }

  @Test
  void emptyVariablesCountAsUnset() throws Exception {
    KoConfig c =
        load(
            "defaultBaseImage: alpine\n", Map.of("KO_DEFAULTBASEIMAGE", "", "KO_DEFAULTFLAGS", ""));
    assertThat(c.defaultBaseImage()).isEqualTo("alpine");
    assertThat(c.defaultFlags()).isEmpty();
  }

  @Test
  void noOtherKoVariableIsRead() throws Exception {
    Map<String, String> env =
        Map.of(
            "KO_FLAGS", "--platform=badvalue",
            "KO_BUILDS", "garbage",
            "KO_LDFLAGS", "-X main.x=y",
            "KO_PLATFORMS", "bad");
    KoConfig withStrays = load("defaultFlags: [-v]\n", env);
    KoConfig without = load("defaultFlags: [-v]\n", Map.of());
    assertThat(withStrays).isEqualTo(without);
  }

  @Test
  void badKoBaseImageOverrides() throws Exception {
    assertThat(error("", Map.of("KO_BASEIMAGEOVERRIDES", "{not json")))
        .startsWith("KO_BASEIMAGEOVERRIDES: invalid JSON");
    assertThat(error("", Map.of("KO_BASEIMAGEOVERRIDES", "[\"a\"]")))
        .startsWith("KO_BASEIMAGEOVERRIDES: expected a JSON object");
    assertThat(error("", Map.of("KO_BASEIMAGEOVERRIDES", "{\"a\": 1}")))
        .contains("\"a\"")
        .contains("must be a string");
  }

  @Test
  void malformedYamlNamesFileLineAndColumn() {
    String e = error("defaultBaseImage: alpine\nbuilds:\n- id: a\n  main: [unclosed\n");
    assertThat(e).startsWith(file() + ":").contains("invalid YAML");
    String e2 = error("defaultBaseImage: alpine\ndefaultEnv: a: b\n");
    assertThat(e2)
        .startsWith(file() + ":2:")
        .contains("invalid YAML")
        .contains("mapping values are not allowed");
  }

  @Test
  void wrongTypesNameFileLineAndKey() {
    assertThat(error("defaultBaseImage: [a, b]\n"))
        .isEqualTo(file() + ":1: 'defaultBaseImage': expected a string, got a list");
    assertThat(error("# comment\ndefaultPlatforms:\n  linux: amd64\n"))
        .isEqualTo(
            file()
                + ":3: 'defaultPlatforms': expected a string or a list of strings, got a mapping");
    assertThat(error("builds: ./cmd/app\n"))
        .isEqualTo(file() + ":1: 'builds': expected a list of build configs, got \"./cmd/app\"");
    assertThat(error("builds:\n- ./cmd/app\n"))
        .isEqualTo(
            file() + ":2: 'builds[0]': expected a build config (a mapping), got \"./cmd/app\"");
    assertThat(error("builds:\n- main: ./x\n  ldflags: {a: b}\n"))
        .isEqualTo(
            file()
                + ":3: 'builds[0].ldflags': expected a string or a list of strings, got a mapping");
    assertThat(error("baseImageOverrides: [alpine]\n"))
        .startsWith(file() + ":1: 'baseImageOverrides': expected a mapping");
    assertThat(error("defaultEnv:\n- [A=b]\n"))
        .isEqualTo(file() + ":2: 'defaultEnv': expected a list of strings, got a list as an item");
    assertThat(error("- a\n- b\n")).startsWith(file() + ":1: expected a mapping of keys");
  }

  @Test
  void duplicateKeysAreErrorsEvenInAnotherCase() {
    assertThat(error("defaultBaseImage: a\ndefaultbaseimage: b\n"))
        .isEqualTo(file() + ":2: 'defaultbaseimage' is already defined at line 1");
  }

  @Test
  void mergeKeysWork() throws Exception {
    KoConfig c =
        load(
            """
            x-common: &common
              ldflags: [-s -w]
              env: [A=1]
            builds:
            - <<: *common
              main: ./cmd/a
              env: [B=2]
            """);
    assertThat(c.builds().get(0).ldflags()).containsExactly("-s -w");
    assertThat(c.builds().get(0).env()).as("the entry's own key wins").containsExactly("B=2");
  }

  @Test
  void koLocalBasesAreRefusedNamingTheValue() {
    String why =
        "is an image in the local Docker daemon (ko.local), which ko-jvm cannot use as a base"
            + " image: push it to a registry and use that reference";
    assertThat(error("defaultBaseImage: ko.local/base:1\n"))
        .isEqualTo(file() + ":1: 'defaultBaseImage': \"ko.local/base:1\" " + why);
    assertThat(error("baseImageOverrides:\n  example.com/x: ko.local/other\n"))
        .isEqualTo(file() + ":1: 'baseImageOverrides': \"ko.local/other\" " + why);
    assertThat(error("", Map.of("KO_DEFAULTBASEIMAGE", "ko.local/img@sha256:" + "a".repeat(64))))
        .isEqualTo(
            "KO_DEFAULTBASEIMAGE: 'defaultBaseImage': \"ko.local/img@sha256:"
                + "a".repeat(64)
                + "\" "
                + why);
  }

  @Test
  void aRegistryMerelyNamedLikeKoLocalIsARegistry() throws Exception {
    assertThat(load("defaultBaseImage: ko.local:5000/base:1\n").defaultBaseImage())
        .isEqualTo("ko.local:5000/base:1");
    assertThat(load("defaultBaseImage: registry.example.com/ko.local/base\n").defaultBaseImage())
        .isEqualTo("registry.example.com/ko.local/base");
    // as in ko (the registry must be ko.local): Docker Hub's library/ko.local
    assertThat(load("defaultBaseImage: ko.local\n").defaultBaseImage()).isEqualTo("ko.local");
  }

  @Test
  void badImageReferencesNameWhereTheyCameFrom() {
    assertThat(error("defaultBaseImage: Not/A:Valid:Ref\n"))
        .startsWith(
            file()
                + ":1: 'defaultBaseImage': error parsing \"Not/A:Valid:Ref\" as image reference");
    assertThat(error("baseImageOverrides:\n  example.com/x: \"UPPER/case\"\n"))
        .startsWith(file() + ":1: 'baseImageOverrides': error parsing \"UPPER/case\"");
    assertThat(error("", Map.of("KO_DEFAULTBASEIMAGE", "bad ref")))
        .startsWith("KO_DEFAULTBASEIMAGE: 'defaultBaseImage': error parsing \"bad ref\"");
  }

  @Test
  void emptyFileAndNullValuesMeanUnset() throws Exception {
    assertThat(load("").builds()).isEmpty();
    assertThat(load("# only a comment\n").defaultEnv()).isEmpty();
    KoConfig c = load("defaultBaseImage:\ndefaultEnv: ~\nbuilds:\n");
    assertThat(c.defaultBaseImage()).isEmpty();
    assertThat(c.defaultEnv()).isEmpty();
  }

  // ------------------------------------------------------------ KO_CONFIG_PATH (ko's tests)

  @Test
  void koConfigPathFile() throws Exception {
    Path other = dir.resolve("conf/my-ko.yaml");
    Files.createDirectories(other.getParent());
    Files.writeString(other, "defaultBaseImage: from-my-ko\n");
    Files.writeString(dir.resolve(".ko.yaml"), "defaultBaseImage: from-working-dir\n");
    KoConfig c = KoConfig.load(dir, new Env(Map.of("KO_CONFIG_PATH", "conf/my-ko.yaml")), log);
    assertThat(c.defaultBaseImage()).isEqualTo("from-my-ko");
    assertThat(c.file()).isEqualTo(other);
  }

  @Test
  void koConfigPathDirectory() throws Exception {
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/.ko.yaml"), "defaultBaseImage: from-dir\n");
    KoConfig c =
        KoConfig.load(dir, new Env(Map.of("KO_CONFIG_PATH", dir.resolve("conf").toString())), log);
    assertThat(c.defaultBaseImage()).isEqualTo("from-dir");
  }

  @Test
  void koConfigPathErrors() throws Exception {
    assertThatThrownBy(
            () -> KoConfig.load(dir, new Env(Map.of("KO_CONFIG_PATH", "testdata/.ko.yaml")), log))
        .hasMessage(
            "error looking for config file: stat testdata/.ko.yaml: no such file or directory");
    Files.createDirectories(dir.resolve("empty"));
    assertThatThrownBy(() -> KoConfig.load(dir, new Env(Map.of("KO_CONFIG_PATH", "empty")), log))
        .hasMessage(
            "error looking for config file: stat empty/.ko.yaml: no such file or directory");
    Files.createDirectories(dir.resolve("bad-config/.ko.yaml"));
    assertThatThrownBy(
            () -> KoConfig.load(dir, new Env(Map.of("KO_CONFIG_PATH", "bad-config")), log))
        .hasMessage("config file bad-config/.ko.yaml is not a regular file");
    assertThatThrownBy(
            () -> KoConfig.load(dir, new Env(Map.of("KO_CONFIG_PATH", "/dev/null")), log))
        .hasMessage("config file /dev/null is not a regular file");
  }

  @Test
  void aDirectoryNamedKoYamlInTheWorkingDirectoryIsNotAConfig() throws Exception {
    Files.createDirectories(dir.resolve(".ko.yaml"));
    assertThat(KoConfig.load(dir, new Env(Map.of()), log).file()).isNull();
  }

  @Test
  void yamlAndJsonSpellingsAreFoundInViperOrder() throws Exception {
    Files.writeString(dir.resolve(".ko.yml"), "defaultBaseImage: from-yml\n");
    assertThat(KoConfig.load(dir, new Env(Map.of()), log).defaultBaseImage()).isEqualTo("from-yml");
    Files.writeString(dir.resolve(".ko.yaml"), "defaultBaseImage: from-yaml\n");
    assertThat(KoConfig.load(dir, new Env(Map.of()), log).defaultBaseImage())
        .isEqualTo("from-yaml");
    Files.writeString(dir.resolve(".ko.json"), "{\"defaultBaseImage\": \"from-json\"}\n");
    assertThat(KoConfig.load(dir, new Env(Map.of()), log).defaultBaseImage())
        .isEqualTo("from-json");
  }
}
