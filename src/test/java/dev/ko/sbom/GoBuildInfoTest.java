package dev.ko.sbom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GoBuildInfoTest {
  /** What Go 1.19.8 prints for a module with a dependency replaced by a local directory. */
  private static final String GO_119 =
      """
      /root/.cache/ko-jvm/bin/example.com/app/cmd/app/linux/amd64/out: go1.19.8
      \tpath\texample.com/app/cmd/app
      \tmod\texample.com/app\t(devel)\t
      \tdep\texample.com/dep\tv0.0.0
      \t=>\t../dep\t(devel)\t
      \t
      \tbuild\t-compiler=gc
      \tbuild\t-trimpath=true
      \tbuild\tCGO_ENABLED=1
      \tbuild\tGOARCH=amd64
      \tbuild\tGOOS=linux
      \tbuild\tGOAMD64=v1
      """;

  @Test
  void go119OutputWithALocalReplace() {
    GoBuildInfo info = GoBuildInfo.fromVersionM(GO_119);
    assertThat(info.main()).isEqualTo(new GoModule("example.com/app", "(devel)", ""));
    assertThat(info.deps())
        .as("the => line is skipped: the SBOM names the module as required")
        .containsExactly(new GoModule("example.com/dep", "v0.0.0", ""));
  }

  @Test
  void newerGoOutputWithSumsAndAReplacement() {
    String out =
        "/tmp/out: go1.22.5\n"
            + "\tpath\tgithub.com/acme/tool/cmd/tool\n"
            + "\tmod\tgithub.com/acme/tool\tv1.4.0"
            + "\th1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
            + "\tdep\tgolang.org/x/sys\tv0.24.0\th1:Twjiwq9dn6R1fQcyiK+wQyHWfaz/BJB+YIpzU/Cv3Xg=\n"
            + "\tdep\tgithub.com/old/thing\tv1.0.0\n"
            + "\t=>\tgithub.com/new/thing\tv1.1.0"
            + "\th1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=\n"
            + "\tbuild\t-buildmode=exe\n"
            + "\tbuild\t-ldflags=\"-s -w -X main.version=1.4.0\"\n"
            + "\tbuild\t\"-tags=a b\"=`x\"y`\n"
            + "\tbuild\tvcs=git\n"
            + "\tbuild\tvcs.modified=false\n";
    GoBuildInfo info = GoBuildInfo.fromVersionM(out);
    assertThat(info.main().version()).isEqualTo("v1.4.0");
    assertThat(info.deps()).hasSize(2);
    assertThat(info.deps().get(0).sum())
        .isEqualTo("h1:Twjiwq9dn6R1fQcyiK+wQyHWfaz/BJB+YIpzU/Cv3Xg=");
    assertThat(info.deps().get(1))
        .as("not its replacement's path or sum")
        .isEqualTo(new GoModule("github.com/old/thing", "v1.0.0", ""));
  }

  @Test
  void aFinalLineWithoutNewlineIsIgnoredAsGoDoes() {
    GoBuildInfo info = GoBuildInfo.parse("dep\ta/b\tv1\nmod\ta\t(devel)\t");
    assertThat(info.deps()).containsExactly(new GoModule("a/b", "v1", ""));
    assertThat(info.main().path()).isEmpty();
  }

  @Test
  void malformedLinesAreErrorsNamingTheLine() {
    assertThatThrownBy(() -> GoBuildInfo.parse("path\tx\ndep\ta\tb\tc\td\n"))
        .hasMessage("could not parse Go build info: line 2: expected 2 or 3 columns; got 4");
    assertThatThrownBy(() -> GoBuildInfo.parse("mod\tonly-one-column\n"))
        .hasMessage("could not parse Go build info: line 1: expected 2 or 3 columns; got 1");
    assertThatThrownBy(() -> GoBuildInfo.fromVersionM("not go output"))
        .hasMessageContaining("no module information");
  }

  @Test
  void theBuildOutputPathBecomesThePathInTheImage() {
    String replaced =
        SbomAttacher.inImagePath(
            GO_119,
            "/root/.cache/ko-jvm/bin/example.com/app/cmd/app/linux/amd64/out",
            "/ko-app/app");
    assertThat(replaced).startsWith("/ko-app/app: go1.19.8\n\tpath\texample.com/app/cmd/app\n");
    assertThat(SbomAttacher.inImagePath("a X b X", "X", "Y"))
        .as("first occurrence only")
        .isEqualTo("a Y b X");
  }
}
