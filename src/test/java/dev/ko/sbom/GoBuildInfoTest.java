package dev.ko.sbom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.sbom.GoBuildInfo.Setting;
import org.junit.jupiter.api.Test;

class GoBuildInfoTest {
  /** What Go 1.19.8 prints for a module with a dependency replaced by a local directory. */
  private static final String GO_119 = "/root/.cache/ko-jvm/bin/example.com/app/cmd/app/linux/amd64/out: go1.19.8\n"
      + "\tpath\texample.com/app/cmd/app\n"
      + "\tmod\texample.com/app\t(devel)\t\n"
      + "\tdep\texample.com/dep\tv0.0.0\n"
      + "\t=>\t../dep\t(devel)\t\n"
      + "\t\n"
      + "\tbuild\t-compiler=gc\n"
      + "\tbuild\t-trimpath=true\n"
      + "\tbuild\tCGO_ENABLED=1\n"
      + "\tbuild\tGOARCH=amd64\n"
      + "\tbuild\tGOOS=linux\n"
      + "\tbuild\tGOAMD64=v1\n";

  @Test
  void go119OutputWithALocalReplace() {
    GoBuildInfo info = GoBuildInfo.fromVersionM(GO_119);
    assertThat(info.path()).isEqualTo("example.com/app/cmd/app");
    assertThat(info.main()).isEqualTo(new GoModule("example.com/app", "(devel)", "", null));
    assertThat(info.deps()).containsExactly(
        new GoModule("example.com/dep", "v0.0.0", "", new GoModule("../dep", "(devel)", "", null)));
    assertThat(info.settings()).startsWith(new Setting("-compiler", "gc"), new Setting("-trimpath", "true"))
        .contains(new Setting("GOOS", "linux")).hasSize(6);
  }

  @Test
  void newerGoOutputWithSumsVcsVersionsAndQuotedSettings() {
    String out = "/tmp/out: go1.22.5\n"
        + "\tpath\tgithub.com/acme/tool/cmd/tool\n"
        + "\tmod\tgithub.com/acme/tool\tv1.4.0\th1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
        + "\tdep\tgolang.org/x/sys\tv0.24.0\th1:Twjiwq9dn6R1fQcyiK+wQyHWfaz/BJB+YIpzU/Cv3Xg=\n"
        + "\tdep\tgithub.com/old/thing\tv1.0.0\n"
        + "\t=>\tgithub.com/new/thing\tv1.1.0\th1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=\n"
        + "\tbuild\t-buildmode=exe\n"
        + "\tbuild\t-ldflags=\"-s -w -X main.version=1.4.0\"\n"
        + "\tbuild\t\"-tags=a b\"=`x\"y`\n"
        + "\tbuild\tvcs=git\n"
        + "\tbuild\tvcs.modified=false\n";
    GoBuildInfo info = GoBuildInfo.fromVersionM(out);
    assertThat(info.main().version()).isEqualTo("v1.4.0");
    assertThat(info.deps()).hasSize(2);
    assertThat(info.deps().get(0).sum()).isEqualTo("h1:Twjiwq9dn6R1fQcyiK+wQyHWfaz/BJB+YIpzU/Cv3Xg=");
    assertThat(info.deps().get(1).replace().path()).isEqualTo("github.com/new/thing");
    assertThat(info.deps().get(1).sum()).as("the replaced module's own sum is kept apart").isEmpty();
    assertThat(info.settings()).contains(
        new Setting("-ldflags", "-s -w -X main.version=1.4.0"),
        new Setting("-tags=a b", "x\"y"),
        new Setting("vcs.modified", "false"));
  }

  @Test
  void goEscapesInQuotedValues() {
    GoBuildInfo info = GoBuildInfo.parse("build\tk=\"tab\\there \\u00e9\\x41\\101\\\"\"\n");
    assertThat(info.settings()).containsExactly(new Setting("k", "tab\there éAA\""));
  }

  @Test
  void aFinalLineWithoutNewlineIsIgnoredAsGoDoes() {
    GoBuildInfo info = GoBuildInfo.parse("path\ta/b\nmod\ta\t(devel)\t");
    assertThat(info.path()).isEqualTo("a/b");
    assertThat(info.main().path()).isEmpty();
  }

  @Test
  void malformedLinesAreErrorsNamingTheLine() {
    assertThatThrownBy(() -> GoBuildInfo.parse("path\tx\ndep\ta\tb\tc\td\n"))
        .hasMessage("could not parse Go build info: line 2: expected 2 or 3 columns; got 4");
    assertThatThrownBy(() -> GoBuildInfo.parse("=>\t../x\t(devel)\t\n"))
        .hasMessage("could not parse Go build info: line 1: replacement with no module on previous line");
    assertThatThrownBy(() -> GoBuildInfo.parse("build\tnoequals\n"))
        .hasMessageEndingWith("build line missing '=' after key");
    assertThatThrownBy(() -> GoBuildInfo.parse("build\tk=\"unterminated\n"))
        .hasMessageEndingWith("invalid quoted value in build line");
    assertThatThrownBy(() -> GoBuildInfo.fromVersionM("not go output"))
        .hasMessageContaining("no module information");
  }

  @Test
  void theBuildOutputPathBecomesThePathInTheImage() {
    String replaced = SbomAttacher.inImagePath(GO_119,
        "/root/.cache/ko-jvm/bin/example.com/app/cmd/app/linux/amd64/out", "/ko-app/app");
    assertThat(replaced).startsWith("/ko-app/app: go1.19.8\n\tpath\texample.com/app/cmd/app\n");
    assertThat(SbomAttacher.inImagePath("a X b X", "X", "Y")).as("first occurrence only").isEqualTo("a Y b X");
  }
}
