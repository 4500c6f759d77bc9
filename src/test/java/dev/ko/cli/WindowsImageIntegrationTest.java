package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.testing.KoRunner;
import dev.ko.testing.Repo;
import dev.ko.testing.TarEntries;
import dev.ko.testing.TestBed;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Windows images, from the test bed's mixed index (linux/amd64, windows/amd64 10.0.20348.2700 and
 * an unknown/unknown attestation entry). Nothing here can run a Windows binary, so the tests read
 * the pushed layers and config.
 */
@Tag("integration")
class WindowsImageIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RAW_SD =
      "AQAAgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA==";

  private final TestBed bed = TestBed.plain();

  @TempDir Path tmp;

  private KoRunner ko(String repo) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/" + repo);
    env.put("KO_DEFAULTBASEIMAGE", bed.get("TESTBED_BASE_MIXED"));
    env.put("KOCACHE", tmp.resolve("cache").toString());
    return KoRunner.in(Repo.copyExample(tmp.resolve("example")), env);
  }

  @Test
  void windowsImageHasKosLayoutEntrypointAndPath() throws Exception {
    // A 3-part osversion matches the base's 4-part one (ko's only partial form).
    KoRunner.Result r =
        ko("win").run("build", "--platform=windows/amd64:10.0.20348", "./cmd/hello");
    assertThat(r.exit()).as(r.describe()).isZero();
    String ref = r.stdout().strip();
    String repo = ref.substring(bed.registry().length() + 1, ref.indexOf('@'));

    JsonNode manifest = JSON.readTree(bed.skopeoInspect(ref, "--raw"));
    assertThat(manifest.at("/mediaType").asText())
        .as("one match: a plain image")
        .isEqualTo("application/vnd.oci.image.manifest.v1+json");
    assertThat(manifest.at("/annotations/org.opencontainers.image.base.digest").asText())
        .isEqualTo(bed.get("TESTBED_BASE_WINDOWS_DIGEST"));
    JsonNode config = JSON.readTree(bed.blob(repo, manifest.at("/config/digest").asText()));
    assertThat(config.at("/os").asText()).isEqualTo("windows");
    assertThat(config.at("/os.version").asText()).isEqualTo("10.0.20348.2700");
    assertThat(config.at("/config/Entrypoint").toString()).isEqualTo("[\"C:\\\\ko-app\\\\hello\"]");
    assertThat(config.at("/config/Env").toString())
        .isEqualTo(
            "[\"PATH=C:\\\\Windows\\\\system32;C:\\\\Windows:C:\\\\ko-app\",\"KO_DATA_PATH=C:\\\\var\\\\r"
                + "un\\\\ko\"]");

    List<TarEntries.Entry> kodata =
        TarEntries.readGzip(bed.blob(repo, manifest.at("/layers/1/digest").asText()));
    assertThat(kodata)
        .extracting(TarEntries.Entry::name)
        .containsExactly(
            "Hives",
            "Files",
            "Files/var",
            "Files/var/run",
            "Files/var/run/ko",
            "Files/var/run/ko/greeting.txt",
            "Files/var/run/ko/sub",
            "Files/var/run/ko/sub/nested.txt");
    assertThat(kodata.get(5).paxString("MSWINDOWS.rawsd")).isEqualTo(RAW_SD);
    assertThat(r.stderr())
        .as("symlinks are skipped on Windows")
        .contains("skipping symlink in kodata for windows: link.txt");

    List<TarEntries.Entry> binary =
        TarEntries.readGzip(bed.blob(repo, manifest.at("/layers/2/digest").asText()));
    assertThat(binary)
        .extracting(TarEntries.Entry::name)
        .containsExactly("Hives", "Files", "Files/ko-app", "Files/ko-app/hello");
    TarEntries.Entry exe = binary.get(3);
    assertThat(exe.paxString("MSWINDOWS.rawsd")).isEqualTo(RAW_SD);
    assertThat(exe.mode()).isEqualTo(0555);
    assertThat(new String(exe.content(), 0, 2, StandardCharsets.ISO_8859_1))
        .as("a PE executable")
        .isEqualTo("MZ");
  }

  @Test
  void allSkipsTheAttestationEntryAndKeepsBaseOrder() throws Exception {
    KoRunner.Result r = ko("win-all").run("build", "--platform=all", "./cmd/hello");
    assertThat(r.exit()).as(r.describe()).isZero();
    JsonNode index = JSON.readTree(bed.skopeoInspect(r.stdout().strip(), "--raw"));
    assertThat(index.at("/manifests").size()).isEqualTo(2);
    assertThat(index.at("/manifests/0/platform/os").asText()).isEqualTo("linux");
    assertThat(index.at("/manifests/1/platform/os").asText()).isEqualTo("windows");
    assertThat(index.at("/manifests/1/platform/os.version").asText()).isEqualTo("10.0.20348.2700");
  }

  @Test
  void anotherWindowsVersionDoesNotMatch() throws Exception {
    KoRunner.Result r =
        ko("win-none").run("build", "--platform=windows/amd64:10.0.17763", "./cmd/hello");
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr()).contains("no matching platforms in base image index");
  }
}
