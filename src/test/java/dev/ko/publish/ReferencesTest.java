package dev.ko.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.oci.Digest;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReferencesTest {
  private static final Digest D = Digest.of(new byte[0]);

  @Test
  void digestReferencesFollowKoReleaseRule() {
    assertThat(References.withDigest("r.io/a", List.of("latest"), D)).isEqualTo("r.io/a@" + D);
    assertThat(References.withDigest("r.io/a", List.of("v1", "v2"), D)).isEqualTo("r.io/a@" + D);
    assertThat(References.withDigest("r.io/a", List.of("v1"), D)).isEqualTo("r.io/a:v1@" + D);
    assertThat(References.withDigest("r.io/a", List.of(), D)).isEqualTo("r.io/a@" + D);
  }

  @Test
  void repositoryOfStripsTagAndDigestButNotAPort() {
    assertThat(References.repositoryOf("127.0.0.1:5000/a/b:v1@" + D))
        .isEqualTo("127.0.0.1:5000/a/b");
    assertThat(References.repositoryOf("127.0.0.1:5000/a/b@" + D)).isEqualTo("127.0.0.1:5000/a/b");
    assertThat(References.repositoryOf("127.0.0.1:5000/a/b:rc1")).isEqualTo("127.0.0.1:5000/a/b");
    assertThat(References.repositoryOf("/tmp/layout@" + D)).isEqualTo("/tmp/layout");
  }
}
