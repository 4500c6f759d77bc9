package dev.ko.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.name.ImportPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ko's namer table (its options test) and md5 examples. */
class NamerTest {
  private static final String REPO = "registry.example.org/foo/bar";
  private static final String IMPORT_PATH = "example.org/sample/cmd/example";

  @ParameterizedTest(name = "-P={0} -B={1} --bare={2}")
  @CsvSource({
    "false, false, false, registry.example.org/foo/bar/example-51d74b7127c5f7495a338df33ecdeb19",
    "true,  false, false, registry.example.org/foo/bar/example.org/sample/cmd/example",
    "false, true,  false, registry.example.org/foo/bar/example",
    "false, false, true,  registry.example.org/foo/bar",
    // precedence: -P, then -B, then --bare
    "true,  true,  true,  registry.example.org/foo/bar/example.org/sample/cmd/example",
    "false, true,  true,  registry.example.org/foo/bar/example",
  })
  void namesLikeKo(boolean preserve, boolean base, boolean bare, String expected) {
    assertThat(Namer.select(preserve, base, bare).name(REPO, IMPORT_PATH)).isEqualTo(expected);
  }

  @Test
  void md5OfImportPaths() {
    assertThat(Namer.md5Hex("github.com/google/ko")).isEqualTo("98b8c7facdad74510a7cae0cd368eb4e");
    assertThat(Namer.md5Hex("github.com/google/ko/test"))
        .isEqualTo("46c4b272b3716c422d5ff6dfc7547fa9");
  }

  @Test
  void anEmptyRepoGivesTheBareNameAndSlashesAreCleaned() {
    assertThat(Namer.md5().name("", "github.com/google/ko/test"))
        .isEqualTo("test-46c4b272b3716c422d5ff6dfc7547fa9");
    assertThat(Namer.baseImportPaths().name("registry.example.org/foo/", "example.org/x"))
        .isEqualTo("registry.example.org/foo/x");
  }

  @Test
  void importPathsForRepositoriesAreStrippedAndLowerCased() {
    assertThat(ImportPath.strip("ko://example.org/Sample/cmd/App"))
        .isEqualTo("example.org/Sample/cmd/App");
    assertThat(ImportPath.strip("example.org/x")).isEqualTo("example.org/x");
    assertThat(ImportPath.isStrict("ko://example.org/x")).isTrue();
    assertThat(ImportPath.isStrict("example.org/x")).isFalse();
    assertThat(ImportPath.forRepository("ko://example.org/Sample/cmd/App"))
        .isEqualTo("example.org/sample/cmd/app");
  }
}
