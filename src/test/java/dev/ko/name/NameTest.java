package dev.ko.name;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parsing and normalisation of references, go-containerregistry's rules. */
class NameTest {
  private static final String HEX = "0123456789abcdef".repeat(4);
  private static final String DIGEST = "sha256:" + HEX;

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // input                                | kind   | registry              | path
        //       | identifier | name
        "ubuntu                                  | tag    | index.docker.io       | library/ubuntu "
            + "         | latest     | index.docker.io/library/ubuntu:latest",
        "ubuntu:22.04                            | tag    | index.docker.io       | library/ubuntu "
            + "         | 22.04      | index.docker.io/library/ubuntu:22.04",
        "docker.io/ubuntu                        | tag    | index.docker.io       | library/ubuntu "
            + "         | latest     | index.docker.io/library/ubuntu:latest",
        "docker.io/library/ubuntu:x              | tag    | index.docker.io       | library/ubuntu "
            + "         | x          | index.docker.io/library/ubuntu:x",
        "index.docker.io/user/app                | tag    | index.docker.io       | user/app       "
            + "         | latest     | index.docker.io/user/app:latest",
        "user/app:v1                             | tag    | index.docker.io       | user/app       "
            + "         | v1         | index.docker.io/user/app:v1",
        // the first component is a registry only with a dot or a colon
        "localhost/foo                           | tag    | index.docker.io       | localhost/foo  "
            + "         | latest     | index.docker.io/localhost/foo:latest",
        "localhost:5000/foo                      | tag    | localhost:5000        | foo            "
            + "         | latest     | localhost:5000/foo:latest",
        "localhost:5000/foo/bar:v1.2.3           | tag    | localhost:5000        | foo/bar        "
            + "         | v1.2.3     | localhost:5000/foo/bar:v1.2.3",
        "gcr.io/project/image:tag_with-dots.1    | tag    | gcr.io                | project/image  "
            + "         | tag_with-dots.1 | gcr.io/project/image:tag_with-dots.1",
        "registry.example.com:8443/a/b/c:Tag     | tag    | registry.example.com:8443 | a/b/c      "
            + "         | Tag        | registry.example.com:8443/a/b/c:Tag",
        "[::1]:5000/x/y                          | tag    | [::1]:5000            | x/y            "
            + "         | latest     | [::1]:5000/x/y:latest",
        "ghcr.io/o/r:                            | tag    | ghcr.io               | o/r            "
            + "         | latest     | ghcr.io/o/r:latest",
      })
  void parsesAndNormalises(
      String input, String kind, String registry, String path, String identifier, String name) {
    Reference ref = Reference.parse(input);
    assertThat(ref).isInstanceOf(kind.equals("tag") ? Tag.class : DigestReference.class);
    assertThat(ref.repository().registry().host()).isEqualTo(registry);
    assertThat(ref.repository().path()).isEqualTo(path);
    assertThat(ref.identifier()).isEqualTo(identifier);
    assertThat(ref.name()).isEqualTo(name);
    assertThat(ref.toString()).isEqualTo(input); // printed as given
  }

  @Test
  void aDigestReferenceMayCarryATag() {
    Reference ref = Reference.parse("localhost:5000/app:v1@" + DIGEST);
    assertThat(ref).isInstanceOf(DigestReference.class);
    assertThat(ref.name()).isEqualTo("localhost:5000/app@" + DIGEST);
    assertThat(ref.toString()).isEqualTo("localhost:5000/app:v1@" + DIGEST);
    assertThat(Reference.parse("alpine@" + DIGEST).name())
        .isEqualTo("index.docker.io/library/alpine@" + DIGEST);
  }

  @Test
  void repositoryAndRegistryHelpers() {
    Repository repo = Repository.parse("docker.io/nginx");
    assertThat(repo.name()).isEqualTo("index.docker.io/library/nginx");
    assertThat(repo.registry().isDockerHub()).isTrue();
    assertThat(repo.tag("1.25").name()).isEqualTo("index.docker.io/library/nginx:1.25");
    assertThat(Registry.parse("").host()).isEqualTo("index.docker.io");
    assertThat(Registry.parse("docker.io").host()).isEqualTo("index.docker.io");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "Foo/Bar          | repository can only contain the characters"
            + " `abcdefghijklmnopqrstuvwxyz0123456789_-./`: Foo/Bar",
        "gcr.io/a b       | repository can only contain the characters"
            + " `abcdefghijklmnopqrstuvwxyz0123456789_-./`: a b",
        "gcr.io/a         | repository must be between 2 and 255 characters in length: a",
        "x                | repository must be between 2 and 255 characters in length: x",
        "foo:bad!tag      | tag can only contain the characters"
            + " `abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.`: bad!tag",
        "foo@sha256:abc   | digest must be sha256:<64 lowercase hex digits>: sha256:abc",
        "foo@md5:0123456789abcdef0123456789abcdef | digest must be sha256:<64 lowercase hex"
            + " digits>: md5:0123456789abcdef0123456789abcdef",
        "a@b@c            | a digest must contain exactly one '@' separator (e.g."
            + " registry/repository@digest) saw: a@b@c",
        "gcr.io:x:y/foo   | registries must be valid RFC 3986 URI authorities: gcr.io:x:y",
      })
  void rejectsBadNamesNamingTheValue(String input, String message) {
    assertThatThrownBy(() -> Reference.parse(input))
        .isInstanceOf(BadNameException.class)
        .hasMessageContaining(message);
  }

  @Test
  void rejectsEmptyAndOverlongNames() {
    assertThatThrownBy(() -> Reference.parse(""))
        .isInstanceOf(BadNameException.class)
        .hasMessageContaining("a repository name must be specified");
    assertThatThrownBy(() -> Reference.parse("foo:" + "t".repeat(129)))
        .isInstanceOf(BadNameException.class)
        .hasMessageContaining("tag must be at most 128 characters");
    assertThat(Reference.parse("foo:" + "t".repeat(128)).identifier()).hasSize(128);
    assertThatThrownBy(() -> Repository.parse("gcr.io/" + "r".repeat(256)))
        .hasMessageStartingWith("repository must be between 2 and 255 characters in length: ");
    assertThat(Repository.parse("gcr.io/" + "r".repeat(255)).path()).hasSize(255);
  }

  @Test
  void aTagAloneIsCheckedWithoutAReference() {
    Tag.checkTag("v1.2.3_rc-1");
    Tag.checkTag("t".repeat(128));
    assertThatThrownBy(() -> Tag.checkTag("bad tag!"))
        .isInstanceOf(BadNameException.class)
        .hasMessageStartingWith("tag can only contain the characters `")
        .hasMessageEndingWith("`: bad tag!");
    assertThatThrownBy(() -> Tag.checkTag("t".repeat(129)))
        .hasMessageStartingWith("tag must be at most 128 characters: ");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "localhost, http",
    "localhost:5000, http",
    "127.0.0.1, http",
    "127.0.0.1:5000, http",
    "[::1]:5000, http",
    "foo.localhost, http",
    "registry.localhost:5000, http",
    "printer.local:8080, http",
    "10.0.0.1:5000, http",
    "10.255.255.255, http",
    "172.16.0.1, http",
    "172.31.255.255:443, http",
    "192.168.1.10:5000, http",
    "172.15.0.1, https",
    "172.32.0.1, https",
    "192.169.0.1, https",
    "010.0.0.1, https",
    "11.0.0.1, https",
    "gcr.io, https",
    "index.docker.io, https",
    "localhostx.com, https",
    "my.localhost.example.com, https",
    "registry.example.com:5000, https",
    // Not IP addresses for Go's net.ParseIP, so not RFC 1918 hosts (once taken for 10.0.0.1)
    "10.0.0.1., https",
    "10.0.0.1..:5000, https",
  })
  void schemeTable(String host, String scheme) {
    assertThat(Registry.parse(host).scheme()).isEqualTo(scheme);
  }

  @Test
  void insecureRegistriesUseHttp() {
    assertThat(new Registry("gcr.io", true).scheme()).isEqualTo("http");
    assertThat(Reference.parse("gcr.io/a/b", true).repository().registry().scheme())
        .isEqualTo("http");
  }
}
