package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ko.process.ExternalCommand;
import dev.ko.testing.KoRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code ko completion}: every shell cobra supports; the fish script checked by fish itself. */
class CompletionCommandTest {
  @TempDir Path tmp;

  private KoRunner.Result completion(String shell) {
    return KoRunner.in(tmp, Map.of()).run("completion", shell);
  }

  @ParameterizedTest
  @ValueSource(strings = {"bash", "zsh", "fish", "powershell"})
  void everyShellGetsAScriptWithoutTheHiddenCommand(String shell) {
    KoRunner.Result r = completion(shell);
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(r.stderr()).isEmpty();
    assertThat(r.stdout())
        .contains("resolve")
        .contains("platform")
        .contains("tarball")
        .doesNotContain(TrainCommand.NAME);
  }

  @Test
  void anUnknownShellIsAClearError() {
    KoRunner.Result r = completion("tcsh");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr())
        .isEqualTo(
            "Error: completion for shell \"tcsh\" is not supported: want bash, zsh, fish or"
                + " powershell\n");
  }

  @Test
  void powershellRegistersANativeCompleterWithEverySubcommandAndItsFlags() {
    String script = completion("powershell").stdout();
    assertThat(script)
        .contains("Register-ArgumentCompleter -Native -CommandName 'ko' -ScriptBlock {")
        .contains("'publish' = @(")
        .contains("'build' = @(")
        .contains("'--tarball'")
        .contains("$rootFlags = @('-v', '--verbose'");
  }

  @Test
  void fishCompletesSubcommandsAliasesAndFlags() throws Exception {
    Map<String, String> env = Map.of("PATH", System.getenv("PATH"), "HOME", tmp.toString());
    assumeTrue(ExternalCommand.lookPath("fish", env).isPresent(), "fish is not installed");
    Path script = Files.writeString(tmp.resolve("ko.fish"), completion("fish").stdout());
    ExternalCommand fish = new ExternalCommand("fish", env);

    assertThat(complete(fish, script, "ko bu"))
        .contains("build\tBuild and publish container images from the given importpaths.");
    assertThat(complete(fish, script, "ko pub"))
        .contains("publish\tBuild and publish container images from the given importpaths.");
    assertThat(complete(fish, script, "ko build --plat"))
        .anyMatch(l -> l.startsWith("--platform\t"));
    assertThat(complete(fish, script, "ko publish --tag"))
        .anyMatch(l -> l.startsWith("--tags\t"))
        .anyMatch(l -> l.startsWith("--tag-only\t"));
    assertThat(complete(fish, script, "ko resolve --sel"))
        .anyMatch(l -> l.startsWith("--selector\t"));
    assertThat(complete(fish, script, "ko version --plat"))
        .as("flags of another command")
        .isEmpty();
    assertThat(complete(fish, script, "ko tr")).as("hidden").isEmpty();
  }

  private static List<String> complete(ExternalCommand fish, Path script, String line)
      throws Exception {
    ExternalCommand.Result r =
        fish.run(List.of("--no-config", "-c", "source " + script + "; complete -C '" + line + "'"));
    assertThat(r.exit()).as(r.stderr()).isZero();
    return r.stdoutText().lines().toList();
  }
}
