package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.log.Log;
import dev.ko.name.Reference;
import dev.ko.oci.Artifact;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.testing.TestBed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base manifests and configs kept on disk by digest, against the real registry: a second run
 * resolves the tag with one HEAD and fetches nothing else; a digest reference costs no request; a
 * damaged file is fetched again.
 */
@Tag("integration")
class ContentCacheIntegrationTest {
  private final TestBed bed = TestBed.plain();

  @TempDir Path cache;

  private RegistryClient client() {
    return new RegistryClient(
        new HttpTransport(
            Wire.engine(), RegistryClientTest::defaultTls, RegistryClientTest::defaultTls),
        Keychain.ANONYMOUS,
        Log.NONE,
        RegistryClient.Options.of(
                "ko-test",
                new NetworkSettings(
                    Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofSeconds(30)))
            .keeping(cache, new TokenCache()));
  }

  /** The index, each child image and its config: what a build of every platform reads. */
  private static String walk(Artifact a) throws Exception {
    StringBuilder b = new StringBuilder(a.digest().toString());
    if (a instanceof ImageIndex index) {
      for (Descriptor d : index.indexManifest().manifests()) {
        Image child = (Image) index.child(d);
        b.append(' ').append(child.digest()).append(' ').append(child.configFile().architecture());
      }
    }
    return b.toString();
  }

  private List<String> manifestAndBlobRequests(long mark) throws Exception {
    return bed.requestsSince(mark).stream().filter(r -> !r.endsWith(" /v2/")).toList();
  }

  @Test
  void aSecondPullOfATagIsOneHeadAndADigestNoRequest() throws Exception {
    Reference tag = Reference.parse(bed.base(), false);
    long mark = bed.logMark();
    String first = walk(client().pull(tag));
    List<String> cold = manifestAndBlobRequests(mark);
    assertThat(cold).anyMatch(r -> r.startsWith("GET ") && r.contains("/blobs/"));

    mark = bed.logMark();
    String second = walk(client().pull(tag));
    assertThat(second).isEqualTo(first);
    assertThat(manifestAndBlobRequests(mark))
        .as("only the tag is asked again")
        .singleElement()
        .satisfies(r -> assertThat(r).startsWith("HEAD ").endsWith("/manifests/nonroot"));

    Reference pinned =
        Reference.parse(
            bed.registry() + "/distroless/static@" + first.substring(0, first.indexOf(' ')), false);
    mark = bed.logMark();
    assertThat(walk(client().pull(pinned))).isEqualTo(first);
    assertThat(manifestAndBlobRequests(mark)).isEmpty();
  }

  @Test
  void aDamagedEntryIsFetchedAgain() throws Exception {
    Reference tag = Reference.parse(bed.base(), false);
    String first = walk(client().pull(tag));
    Digest index = Digest.parse(first.substring(0, first.indexOf(' ')));
    Files.writeString(
        cache.resolve("manifests").resolve("sha256").resolve(index.hex()), "{\"damaged\":true}");
    long mark = bed.logMark();
    assertThat(walk(client().pull(tag))).isEqualTo(first);
    assertThat(manifestAndBlobRequests(mark))
        .anyMatch(r -> r.startsWith("GET ") && r.contains("/manifests/"));
  }
}
