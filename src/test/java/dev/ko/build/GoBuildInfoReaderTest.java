package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.testing.Proc;
import dev.ko.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our reading of a binary's embedded build information and build ID equals what {@code go version
 * -m} and {@code go tool buildid} print, for 64- and 32-bit ELF of both byte orders, PE and Mach-O.
 */
class GoBuildInfoReaderTest {
  @TempDir Path tmp;

  private Path build(String goos, String goarch, String goarm, String... extraFlags)
      throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    Path binary = tmp.resolve("out-" + goos + "-" + goarch + extraFlags.length);
    Map<String, String> env =
        new HashMap<>(Map.of("GOOS", goos, "GOARCH", goarch, "CGO_ENABLED", "0"));
    if (goarm != null) {
      env.put("GOARM", goarm);
    }
    // -gcflags with a space is recorded quoted (ko's --disable-optimizations); -trimpath omits
    // -ldflags.
    List<String> cmd =
        new ArrayList<>(List.of("go", "build", "-trimpath", "-tags=netgo", "-gcflags=all=-N -l"));
    cmd.addAll(List.of(extraFlags));
    cmd.addAll(List.of("-o", binary.toString(), "./cmd/hello"));
    Proc.Result build = Proc.run(module, env, cmd);
    assertThat(build.exit()).as(build.stderr()).isZero();
    return binary;
  }

  private String go(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("go"));
    cmd.addAll(List.of(args));
    Proc.Result go = Proc.run(tmp, Map.of(), cmd);
    assertThat(go.exit()).as(go.stderr()).isZero();
    return go.stdout();
  }

  @ParameterizedTest
  @CsvSource({
    "linux,amd64,",
    "linux,arm64,",
    "linux,arm,7",
    "linux,386,",
    "windows,amd64,",
    "linux,s390x,",
    "darwin,arm64,"
  })
  void matchesGoVersionMAndGoToolBuildid(String goos, String goarch, String goarm)
      throws Exception {
    Path binary = build(goos, goarch, goarm);
    String versionM = go("version", "-m", binary.toString());

    assertThat(GoBuildInfoReader.versionM(binary)).contains(versionM);
    assertThat(versionM).as("a quoted settings line is covered").contains("-gcflags=\"all=-N -l\"");
    assertThat(GoBuildId.read(binary)).contains(go("tool", "buildid", binary.toString()).strip());
  }

  @Test
  void aBinaryLinkedWithoutABuildIdHasNone() throws Exception {
    Path binary = build("linux", "amd64", null, "-ldflags=-buildid=");
    assertThat(go("tool", "buildid", binary.toString()).strip()).isEmpty();
    assertThat(GoBuildId.read(binary)).isEmpty();
    assertThat(GoBuildInfoReader.versionM(binary)).isPresent();
  }

  @Test
  void notAGoBinary() throws Exception {
    Path file = Files.writeString(tmp.resolve("plain"), "just text, no build info\n".repeat(10));
    assertThat(GoBuildInfoReader.versionM(file)).isEmpty();
    assertThat(GoBuildId.read(file)).isEmpty();
    Path tiny = Files.writeString(tmp.resolve("tiny"), "\u007fELF");
    assertThat(GoBuildId.read(tiny)).isEmpty();
  }
}
