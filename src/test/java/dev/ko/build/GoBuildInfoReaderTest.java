package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.testing.Proc;
import dev.ko.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our reading of a binary's embedded build information equals what {@code go version -m} prints. */
class GoBuildInfoReaderTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @CsvSource({"linux,amd64,", "linux,arm64,", "linux,arm,7", "windows,amd64,", "linux,s390x,"})
  void matchesGoVersionM(String goos, String goarch, String goarm) throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    Path binary = tmp.resolve("out-" + goarch);
    Map<String, String> env = new HashMap<>(Map.of("GOOS", goos, "GOARCH", goarch, "CGO_ENABLED", "0"));
    if (goarm != null) {
      env.put("GOARM", goarm);
    }
    // -gcflags with a space is recorded quoted (ko's --disable-optimizations); -trimpath omits -ldflags.
    Proc.Result build = Proc.run(module, env, List.of("go", "build", "-trimpath", "-tags=netgo",
        "-gcflags=all=-N -l", "-o", binary.toString(), "./cmd/hello"));
    assertThat(build.exit()).as(build.stderr()).isZero();
    Proc.Result go = Proc.run(tmp, Map.of(), List.of("go", "version", "-m", binary.toString()));
    assertThat(go.exit()).as(go.stderr()).isZero();

    assertThat(GoBuildInfoReader.versionM(binary)).contains(go.stdout());
    assertThat(go.stdout()).as("a quoted settings line is covered").contains("-gcflags=\"all=-N -l\"");
  }

  @Test
  void notAGoBinary() throws Exception {
    Path file = Files.writeString(tmp.resolve("plain"), "just text, no build info\n".repeat(10));
    assertThat(GoBuildInfoReader.versionM(file)).isEmpty();
  }
}
