package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.oci.GoTime;
import dev.ko.oci.Platform;
import dev.ko.testing.TestBuildOptions;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * ko's precedence of env, flags and ldflags (gobuild_test's buildEnv, configForImportPath,
 * defaults).
 */
class BuildSettingsTest {
  private static final Platform AMD64 = Platform.parse("linux/amd64");

  private static TestBuildOptions.Builder options() {
    return TestBuildOptions.builder(Path.of("/w"), Path.of("/c"), Path.of("/t"))
        .origins(
            Map.of(
                "defaultEnv",
                "/w/.ko.yaml:3: defaultEnv",
                "defaultFlags",
                "/w/.ko.yaml:4: defaultFlags",
                "defaultLdflags",
                "KO_DEFAULTLDFLAGS",
                "ldflags",
                "--ldflags"));
  }

  private static BuildConfig config(List<String> env, List<String> flags, List<String> ldflags) {
    return new BuildConfig(
        "app",
        ".",
        "./cmd/app",
        env,
        flags,
        ldflags,
        List.of(),
        Map.of(
            "",
            "/w/.ko.yaml:6: builds[0]",
            "flags",
            "/w/.ko.yaml:8: builds[0].flags",
            "ldflags",
            "/w/.ko.yaml:9: builds[0].ldflags",
            "env",
            "/w/.ko.yaml:7: builds[0].env"),
        new GoPackage(
            "example.com/m/cmd/app", "main", Path.of("/w/cmd/app"), List.of("main.go"), ""));
  }

  private static final Map<String, Object> NO_DATA = Map.of("Env", Map.of());

  // ------------------------------------------------------------ env

  @Test
  void defaultsGiveGoosGoarchAndCgoDisabled() {
    Map<String, String> env = BuildSettings.environment(options().build(), null, AMD64);
    assertThat(env)
        .containsExactly(
            Map.entry("CGO_ENABLED", "0"),
            Map.entry("GOOS", "linux"),
            Map.entry("GOARCH", "amd64"));
  }

  @Test
  void processEnvOverridesKoAndBuildEnvOverridesBoth() {
    BuildOptions o =
        options().environment(Map.of("CGO_ENABLED", "1", "FOO", "os", "PATH", "/bin")).build();
    assertThat(BuildSettings.environment(o, null, AMD64))
        .containsEntry("CGO_ENABLED", "1")
        .containsEntry("FOO", "os");
    Map<String, String> env =
        BuildSettings.environment(
            o, config(List.of("FOO=config", "GOPRIVATE=git.corp"), null, null), AMD64);
    assertThat(env)
        .containsEntry("FOO", "config")
        .containsEntry("GOPRIVATE", "git.corp")
        .containsEntry("PATH", "/bin");
  }

  @Test
  void buildEnvReplacesDefaultEnv() {
    BuildOptions o = options().defaultEnv(List.of("FOO=foo", "BAR=bar")).build();
    assertThat(BuildSettings.environment(o, null, AMD64))
        .containsEntry("FOO", "foo")
        .containsEntry("BAR", "bar");
    assertThat(BuildSettings.environment(o, config(null, null, null), AMD64))
        .as("env not given")
        .containsEntry("BAR", "bar");
    Map<String, String> own =
        BuildSettings.environment(o, config(List.of("FOO=baz"), null, null), AMD64);
    assertThat(own).containsEntry("FOO", "baz").doesNotContainKey("BAR");
    assertThat(BuildSettings.environment(o, config(List.of(), null, null), AMD64))
        .as("given as empty (ko #1568 cannot say this)")
        .doesNotContainKeys("FOO", "BAR");
  }

  @Test
  void platformVariants() {
    BuildOptions o = options().build();
    assertThat(BuildSettings.environment(o, null, Platform.parse("linux/arm/v7")))
        .containsEntry("GOARM", "7");
    assertThat(BuildSettings.environment(o, null, Platform.parse("linux/arm64/v8")))
        .doesNotContainKey("GOARM");
    assertThat(BuildSettings.environment(o, null, Platform.parse("linux/amd64/v3")))
        .containsEntry("GOAMD64", "v3");
  }

  @Test
  void aBadEnvEntryNamesWhereItCameFrom() {
    BuildOptions o = options().defaultEnv(List.of("NOEQUALS")).build();
    assertThatThrownBy(() -> BuildSettings.environment(o, null, AMD64))
        .hasMessage(
            "/w/.ko.yaml:3: defaultEnv: invalid environment variable entry \"NOEQUALS\": want"
                + " KEY=VALUE");
  }

  @Test
  void toolexecInGoflagsIsRefusedWherever() {
    for (String goflags :
        List.of("-toolexec=id", "--toolexec=id", "-v -toolexec=id", "-toolexec", "--toolexec")) {
      BuildOptions o = options().environment(Map.of("GOFLAGS", goflags)).build();
      assertThatThrownBy(() -> BuildSettings.environment(o, null, AMD64))
          .as(goflags)
          .hasMessageEndingWith("via GOFLAGS environment variable")
          .hasMessageContaining("cannot set -");
    }
    assertThat(
            BuildSettings.environment(
                options().environment(Map.of("GOFLAGS", "-v -count=1")).build(), null, AMD64))
        .containsEntry("GOFLAGS", "-v -count=1");
    assertThatThrownBy(
            () ->
                BuildSettings.environment(
                    options().build(), config(List.of("GOFLAGS=-toolexec=x"), null, null), AMD64))
        .hasMessage("cannot set -toolexec=x via GOFLAGS environment variable");
  }

  // ------------------------------------------------------------ flags

  @Test
  void trimpathIsAppendedAfterTheConfigsFlags() {
    assertThat(BuildSettings.flags(options().build(), null, NO_DATA)).containsExactly("-trimpath");
    assertThat(BuildSettings.flags(options().build(), config(null, List.of("-v"), null), NO_DATA))
        .containsExactly("-v", "-trimpath");
  }

  @Test
  void withTrimpathOffAConfigsOwnTrimpathStays() {
    assertThat(
            BuildSettings.flags(
                options().trimpath(false).build(),
                config(null, List.of("-trimpath"), null),
                NO_DATA))
        .containsExactly("-trimpath");
  }

  @Test
  void disableOptimizations() {
    assertThat(BuildSettings.flags(options().disableOptimizations(true).build(), null, NO_DATA))
        .containsExactly("-trimpath", "-gcflags", "all=-N -l");
  }

  @Test
  void defaultFlagsApplyWhenTheConfigHasNoneAndPerBuildFlagsReplaceThem() {
    BuildOptions o = options().defaultFlags(List.of("-tags", "netgo")).build();
    assertThat(BuildSettings.flags(o, null, NO_DATA))
        .containsExactly("-tags", "netgo", "-trimpath");
    assertThat(BuildSettings.flags(o, config(null, null, null), NO_DATA))
        .as("ko #1450 drops defaultFlags here")
        .containsExactly("-tags", "netgo", "-trimpath");
    assertThat(BuildSettings.flags(o, config(null, List.of("-v"), null), NO_DATA))
        .containsExactly("-v", "-trimpath");
  }

  @Test
  void ldflagsPrecedenceCliThenConfigThenDefault() {
    BuildOptions defaults = options().defaultLdflags(List.of("-s", "-X main.v=default")).build();
    assertThat(BuildSettings.flags(defaults, null, NO_DATA))
        .containsExactly("-trimpath", "-ldflags=-s -X main.v=default");
    assertThat(
            BuildSettings.flags(defaults, config(null, null, List.of("-X main.v=config")), NO_DATA))
        .containsExactly("-trimpath", "-ldflags=-X main.v=config");
    assertThat(BuildSettings.flags(defaults, config(null, null, List.of()), NO_DATA))
        .as("ldflags: [] really means none (ko #1568)")
        .containsExactly("-trimpath");
    BuildOptions cli =
        options()
            .defaultLdflags(List.of("-s"))
            .ldflags(List.of("-X=main.version=cli", "-w"))
            .build();
    assertThat(BuildSettings.flags(cli, config(null, null, List.of("-X main.v=config")), NO_DATA))
        .containsExactly("-trimpath", "-ldflags=-X=main.version=cli -w");
  }

  @Test
  void toolexecInFlagsIsRefusedAfterTemplating() {
    assertThatThrownBy(
            () ->
                BuildSettings.flags(
                    options().build(), config(null, List.of("-toolexec", "go"), null), NO_DATA))
        .hasMessage("/w/.ko.yaml:8: builds[0].flags: cannot set -toolexec");
    Map<String, Object> data = Map.of("Env", Map.of("T", "--toolexec=evil"));
    assertThatThrownBy(
            () ->
                BuildSettings.flags(
                    options().build(), config(null, List.of("{{.Env.T}}"), null), data))
        .hasMessage("/w/.ko.yaml:8: builds[0].flags: cannot set --toolexec=evil");
    assertThatThrownBy(
            () ->
                BuildSettings.flags(
                    options().defaultFlags(List.of("-toolexec=x")).build(), null, NO_DATA))
        .hasMessage("/w/.ko.yaml:4: defaultFlags: cannot set -toolexec=x");
  }

  @Test
  void templateErrorsNameWhereTheTemplateCameFrom() {
    assertThatThrownBy(
            () ->
                BuildSettings.flags(
                    options().build(),
                    config(null, null, List.of("-X v={{.Env.SOME_VAR}}")),
                    NO_DATA))
        .hasMessage(
            "/w/.ko.yaml:9: builds[0].ldflags: template \"-X v={{.Env.SOME_VAR}}\": "
                + "at <.Env.SOME_VAR>: map has no entry for key \"SOME_VAR\"");
    assertThatThrownBy(
            () ->
                BuildSettings.flags(options().ldflags(List.of("{{.Nope}}")).build(), null, NO_DATA))
        .hasMessageStartingWith("--ldflags: template \"{{.Nope}}\"");
    assertThatThrownBy(
            () ->
                BuildSettings.flags(
                    options().defaultLdflags(List.of("{{ if .X }}")).build(), null, NO_DATA))
        .hasMessageStartingWith("KO_DEFAULTLDFLAGS: template \"{{ if .X }}\": unsupported action");
  }

  // ------------------------------------------------------------ template data (createTemplateData)

  private static GitInfo noGit() {
    return GitInfo.NONE;
  }

  @Test
  void envHasTheBuildEnvAndAnEmptyLdflagsDefault() {
    Map<String, Object> data =
        BuildSettings.templateData(
            Map.of("FOO", "bar"), Map::of, BuildSettingsTest::noGit, null, ZoneOffset.UTC);
    assertThat(Template.parse("{{.Env.FOO}}[{{.Env.LDFLAGS}}]").render(data)).isEqualTo("bar[]");
    Map<String, Object> set =
        BuildSettings.templateData(
            Map.of("LDFLAGS", "-s"), Map::of, BuildSettingsTest::noGit, null, ZoneOffset.UTC);
    assertThat(Template.parse("{{.Env.LDFLAGS}}").render(set)).isEqualTo("-s");
  }

  @Test
  void goEnvIsOverriddenByEnvAndOnlyReadWhenUsed() {
    AtomicInteger calls = new AtomicInteger();
    Supplier<Map<String, String>> goEnv =
        () -> {
          calls.incrementAndGet();
          return Map.of("GOOS", "darwin", "GOARCH", "arm64", "GOVERSION", "go1.19.8");
        };
    Map<String, Object> data =
        BuildSettings.templateData(
            Map.of("GOOS", "linux", "GOARCH", "s390x"),
            goEnv,
            BuildSettingsTest::noGit,
            null,
            ZoneOffset.UTC);
    assertThat(Template.parse("{{.Env.GOOS}}").render(data)).isEqualTo("linux");
    assertThat(calls).as("go env not run when no template needs it").hasValue(0);
    assertThat(
            Template.parse("{{.GoEnv.GOOS}}/{{.GoEnv.GOARCH}} {{.GoEnv.GOVERSION}}").render(data))
        .isEqualTo("linux/s390x go1.19.8");
    Template.parse("{{.GoEnv.GOOS}}").render(data);
    assertThat(calls).hasValue(1);
  }

  @Test
  void dateAndTimestampFromTheCreationTime() {
    GoTime created = GoTime.ofEpochSecond(1351807680, ZoneOffset.UTC); // 2012-11-01T22:08:00Z
    Map<String, Object> data =
        BuildSettings.templateData(
            Map.of(), Map::of, BuildSettingsTest::noGit, created, ZoneOffset.UTC);
    assertThat(Template.parse("{{.Date}} {{.Timestamp}}").render(data))
        .isEqualTo("2012-11-01T22:08:00Z 1351807680");
    GoTime local = GoTime.ofEpochSecond(1351807680, ZoneId.of("America/New_York"));
    assertThat(
            Template.parse("{{.Date}}")
                .render(
                    BuildSettings.templateData(
                        Map.of(), Map::of, BuildSettingsTest::noGit, local, ZoneOffset.UTC)))
        .as("time.Unix is local time")
        .isEqualTo("2012-11-01T18:08:00-04:00");
  }

  @Test
  void dateIsAboutNowWithoutACreationTime() {
    long before = System.currentTimeMillis() / 1000;
    Map<String, Object> data =
        BuildSettings.templateData(
            Map.of(), Map::of, BuildSettingsTest::noGit, null, ZoneOffset.UTC);
    long ts = Long.parseLong(Template.parse("{{.Timestamp}}").render(data));
    assertThat(ts).isBetween(before, System.currentTimeMillis() / 1000);
    assertThat(Template.parse("{{.Date}}").render(data)).endsWith("Z");
  }

  @Test
  void withoutGitEverythingIsEmptyAndClean() {
    Map<String, Object> data =
        BuildSettings.templateData(
            Map.of(), Map::of, BuildSettingsTest::noGit, null, ZoneOffset.UTC);
    assertThat(
            Template.parse(
                    "[{{.Git.Branch}}][{{.Git.Tag}}][{{.Git.ShortCommit}}][{{.Git.FullCommit}}]"
                        + " {{.Git.TreeState}} {{.Git.IsClean}} {{.Git.IsDirty}}"
                        + " {{.Git.CommitDate}} {{.Git.CommitTimestamp}}")
                .render(data))
        .isEqualTo("[][][][] clean true false 0001-01-01T00:00:00Z -62135596800");
  }
}
