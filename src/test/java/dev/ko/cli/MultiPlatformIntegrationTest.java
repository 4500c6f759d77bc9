package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.testing.KoRunner;
import dev.ko.testing.Proc;
import dev.ko.testing.Repo;
import dev.ko.testing.TestBed;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Multi-platform builds against the test bed's linux/amd64 + linux/arm64/v8 base. */
@Tag("integration")
class MultiPlatformIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TestBed bed = TestBed.plain();

  @TempDir Path tmp;

  private KoRunner ko(String repo, String base) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/" + repo);
    env.put("KO_DEFAULTBASEIMAGE", base);
    env.put("KOCACHE", tmp.resolve("cache").toString());
    return KoRunner.in(Repo.copyExample(tmp.resolve("example")), env);
  }

  private static String ref(KoRunner.Result r) {
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(r.stdout()).as("one reference").matches("[^\n]+@sha256:[0-9a-f]{64}\n");
    return r.stdout().strip();
  }

  @Test
  void twoPlatformsGiveAnOciIndexInBaseOrderWhoseChildrenBothRun() throws Exception {
    String ref =
        ref(
            ko("mp-two", bed.base())
                .run("build", "--platform=linux/arm64,linux/amd64", "./cmd/hello"));

    JsonNode index = JSON.readTree(bed.skopeoInspect(ref, "--raw"));
    assertThat(index.at("/mediaType").asText())
        .isEqualTo("application/vnd.oci.image.index.v1+json");
    assertThat(index.at("/manifests").size()).isEqualTo(2);
    assertThat(index.at("/manifests/0/platform/architecture").asText())
        .as("base order, not flag order")
        .isEqualTo("amd64");
    assertThat(index.at("/manifests/1/platform/architecture").asText()).isEqualTo("arm64");
    assertThat(index.at("/manifests/1/platform/variant").asText()).isEqualTo("v8");
    assertThat(index.at("/manifests/0/artifactType").asText())
        .isEqualTo("application/vnd.oci.image.config.v1+json");
    assertThat(index.at("/annotations/org.opencontainers.image.base.name").asText())
        .isEqualTo(bed.base());
    assertThat(index.at("/annotations/org.opencontainers.image.base.digest").asText())
        .isEqualTo(bed.get("TESTBED_BASE_INDEX_DIGEST"));

    String repo = ref.substring(0, ref.indexOf('@'));
    JsonNode arm =
        JSON.readTree(
            bed.skopeoInspect(repo + "@" + index.at("/manifests/1/digest").asText(), "--raw"));
    assertThat(arm.at("/annotations/org.opencontainers.image.base.digest").asText())
        .as("each child names its matched base child")
        .isEqualTo(bed.get("TESTBED_BASE_ARM64_DIGEST"));

    Proc.Result amd64 = bed.runImage(ref, tmp.resolve("run-amd64"), "amd64");
    assertThat(amd64.exit()).as(amd64.stderr()).isZero();
    assertThat(amd64.stdout()).startsWith("Hello from ko-jvm! (linux/amd64, uid 65532)\n");
    Proc.Result arm64 = bed.runImage(ref, tmp.resolve("run-arm64"), "arm64", "v8");
    assertThat(arm64.exit()).as(arm64.stderr()).isZero();
    assertThat(arm64.stdout())
        .as("run through qemu-user")
        .startsWith("Hello from ko-jvm! (linux/arm64, uid 65532)\n")
        .contains("kodata/link.txt: Served from $KO_DATA_PATH.");
  }

  @Test
  void childrenArePushedByDigestBeforeTheIndexAndSharedBlobsOnce() throws Exception {
    // A repository of this run's own, so the shared blob is new (cold and server executions share a
    // bed).
    KoRunner ko = ko("mp-order-" + Long.toHexString(System.nanoTime()), bed.base());
    long mark = bed.logMark();
    String ref = ref(ko.run("build", "--platform=all", "./cmd/hello"));
    List<String> requests = bed.requestsSince(mark);

    JsonNode index = JSON.readTree(bed.skopeoInspect(ref, "--raw"));
    String repo = ref.substring(0, ref.indexOf('@'));
    String repoPath = repo.substring(repo.indexOf('/') + 1);
    int indexPut = indexOf(requests, "PUT /v2/" + repoPath + "/manifests/latest");
    for (JsonNode child : index.at("/manifests")) {
      int childPut =
          indexOf(requests, "PUT /v2/" + repoPath + "/manifests/" + child.at("/digest").asText());
      assertThat(childPut)
          .as("child %s pushed by digest; requests %s", child.at("/digest"), requests)
          .isGreaterThanOrEqualTo(0);
      assertThat(childPut).as("child before index").isLessThan(indexPut);
    }
    JsonNode amd64 =
        JSON.readTree(
            bed.skopeoInspect(repo + "@" + index.at("/manifests/0/digest").asText(), "--raw"));
    JsonNode arm64 =
        JSON.readTree(
            bed.skopeoInspect(repo + "@" + index.at("/manifests/1/digest").asText(), "--raw"));
    String kodata = amd64.at("/layers/2/digest").asText();
    assertThat(arm64.at("/layers/2/digest").asText())
        .as("both children share the kodata layer")
        .isEqualTo(kodata);
    long kodataUploads =
        requests.stream()
            .filter(
                q ->
                    q.startsWith("PUT ")
                        && q.contains("/blobs/uploads/")
                        && q.contains(kodata.substring(7)))
            .count();
    assertThat(kodataUploads).as("the shared kodata blob is uploaded once").isEqualTo(1);
  }

  private static int indexOf(List<String> requests, String prefix) {
    for (int i = 0; i < requests.size(); i++) {
      if (requests.get(i).startsWith(prefix)) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void allGivesEveryBasePlatform() throws Exception {
    String ref = ref(ko("mp-all", bed.base()).run("build", "--platform=all", "./cmd/hello"));
    JsonNode index = JSON.readTree(bed.skopeoInspect(ref, "--raw"));
    assertThat(index.at("/manifests").size()).isEqualTo(2);
  }

  @Test
  void oneMatchingPlatformGivesAPlainImage() throws Exception {
    String ref =
        ref(ko("mp-one", bed.base()).run("build", "--platform=linux/arm64", "./cmd/hello"));
    JsonNode manifest = JSON.readTree(bed.skopeoInspect(ref, "--raw"));
    assertThat(manifest.at("/mediaType").asText())
        .isEqualTo("application/vnd.oci.image.manifest.v1+json");
    assertThat(manifest.at("/annotations/org.opencontainers.image.base.digest").asText())
        .isEqualTo(bed.get("TESTBED_BASE_ARM64_DIGEST"));
    JsonNode config = JSON.readTree(bed.skopeoInspect(ref, "--config"));
    assertThat(config.at("/architecture").asText()).isEqualTo("arm64");
    assertThat(config.at("/variant").asText()).isEqualTo("v8");
  }

  @Test
  void dockerBaseGivesADockerManifestList() throws Exception {
    String ref =
        ref(
            ko("mp-docker", bed.get("TESTBED_BASE_DOCKER"))
                .run("build", "--platform=all", "./cmd/hello"));
    JsonNode list = JSON.readTree(bed.skopeoInspect(ref, "--raw"));
    assertThat(list.at("/mediaType").asText())
        .isEqualTo("application/vnd.docker.distribution.manifest.list.v2+json");
    assertThat(list.at("/manifests/0/mediaType").asText())
        .isEqualTo("application/vnd.docker.distribution.manifest.v2+json");
    String repo = ref.substring(0, ref.indexOf('@'));
    JsonNode child =
        JSON.readTree(
            bed.skopeoInspect(repo + "@" + list.at("/manifests/0/digest").asText(), "--raw"));
    assertThat(child.at("/config/mediaType").asText())
        .isEqualTo("application/vnd.docker.container.image.v1+json");
    child
        .at("/layers")
        .forEach(
            l ->
                assertThat(l.at("/mediaType").asText())
                    .isEqualTo("application/vnd.docker.image.rootfs.diff.tar.gzip"));
    Proc.Result run = bed.runImage(ref, tmp.resolve("run"), "amd64");
    assertThat(run.exit()).as(run.stderr()).isZero();
  }

  @Test
  void platformMissingFromTheBaseIndexIsRefused() throws Exception {
    KoRunner.Result r =
        ko("mp-s390x", bed.base()).run("build", "--platform=linux/s390x", "./cmd/hello");
    String error = singleError(r);
    assertThat(error).contains("no matching platforms in base image index").contains("linux/s390x");
    assertThat(bed.tags("mp-s390x/hello-20224deb52929e35ecb74c0e57f6ee11")).isEmpty();
  }

  @Test
  void singleManifestBaseWithAnotherPlatformIsRefused() throws Exception {
    KoRunner.Result r =
        ko("mp-single", bed.get("TESTBED_BASE_SINGLE"))
            .run("build", "--platform=linux/arm64", "./cmd/hello");
    assertThat(singleError(r))
        .contains(
            "base image platform \"linux/amd64\" does not match desired platforms [linux/arm64]");
  }

  @Test
  void allMixedWithOtherPlatformsIsRefused() throws Exception {
    KoRunner.Result r =
        ko("mp-mixed", bed.base()).run("build", "--platform=all,linux/amd64", "./cmd/hello");
    assertThat(singleError(r)).contains("all or specific platforms should be used");
  }

  @Test
  void platformsTogetherWithGoosAreRefused() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/mp-goos");
    env.put("KO_DEFAULTBASEIMAGE", bed.base());
    env.put("GOOS", "linux");
    KoRunner.Result r =
        KoRunner.in(Repo.copyExample(tmp.resolve("example")), env)
            .run("build", "--platform=linux/arm64", ".");
    assertThat(singleError(r)).contains("cannot use --platform").contains("GOOS=\"linux\"");
  }

  private static String singleError(KoRunner.Result r) {
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    List<String> errors =
        Arrays.stream(r.stderr().split("\n")).filter(l -> l.startsWith("Error:")).toList();
    assertThat(errors).as(r.stderr()).hasSize(1);
    return errors.get(0);
  }
}
