package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.oci.LayerFile;
import dev.ko.oci.MediaType;
import dev.ko.testing.Proc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kodata layer's symlink containment (ko #1619, #1699) and KO_DATA_DATE_EPOCH, read back with
 * GNU tar.
 */
class KodataSymlinkTest {
  @TempDir Path tmp;

  private Path write(String path, String content) throws IOException {
    Path p = tmp.resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    return p;
  }

  private Path link(String path, String target) throws IOException {
    Path p = tmp.resolve(path);
    Files.createDirectories(p.getParent());
    return Files.createSymbolicLink(p, Path.of(target));
  }

  private Path layer(Path kodata, String allowedRootEnv, long mtime) throws IOException {
    Path root = AppLayers.allowedRoot(kodata, allowedRootEnv);
    Path target = tmp.resolve("layer-" + System.nanoTime() + ".tar.gz");
    LayerFile f =
        AppLayers.kodata(target, MediaType.OCI_LAYER, kodata, root, false, mtime, n -> {});
    return f.path();
  }

  /** {@code tar -tv} lines: mode, owner, size, date, time, name. */
  private static List<String> list(Path layer) throws IOException {
    Proc.Result r =
        Proc.run(
            layer.getParent(),
            Map.of("TZ", "UTC"),
            List.of("tar", "--numeric-owner", "--full-time", "-P", "-tvzf", layer.toString()));
    assertThat(r.exit()).as(r.stderr()).isZero();
    List<String> out = new ArrayList<>();
    for (String line : r.stdout().split("\n", -1)) {
      if (!line.isBlank()) {
        out.add(line.strip().replaceAll("\\s+", " "));
      }
    }
    return out;
  }

  private static String content(Path layer, String name) throws IOException {
    Proc.Result r =
        Proc.run(
            layer.getParent(), Map.of(), List.of("tar", "-P", "-xOzf", layer.toString(), name));
    assertThat(r.exit()).as(r.stderr()).isZero();
    return r.stdout();
  }

  @Test
  void linksInsideKodataAreFollowed() throws IOException {
    Path kodata = tmp.resolve("app/kodata");
    write("app/kodata/a", "hello\n");
    link("app/kodata/b", "a");
    write("app/kodata/subdir/file.txt", "nested\n");
    link("app/kodata/linkdir", "subdir");
    Path layer = layer(kodata, "", 0);
    assertThat(list(layer))
        .containsExactly(
            "dr-xr-xr-x 0/0 0 1970-01-01 00:00:00 /var",
            "dr-xr-xr-x 0/0 0 1970-01-01 00:00:00 /var/run",
            "dr-xr-xr-x 0/0 0 1970-01-01 00:00:00 /var/run/ko",
            "-r-xr-xr-x 0/0 6 1970-01-01 00:00:00 /var/run/ko/a",
            "-r-xr-xr-x 0/0 6 1970-01-01 00:00:00 /var/run/ko/b",
            "dr-xr-xr-x 0/0 0 1970-01-01 00:00:00 /var/run/ko/linkdir",
            "-r-xr-xr-x 0/0 7 1970-01-01 00:00:00 /var/run/ko/linkdir/file.txt",
            "dr-xr-xr-x 0/0 0 1970-01-01 00:00:00 /var/run/ko/subdir",
            "-r-xr-xr-x 0/0 7 1970-01-01 00:00:00 /var/run/ko/subdir/file.txt");
    assertThat(content(layer, "/var/run/ko/b")).isEqualTo("hello\n");
  }

  @Test
  void koDataDateEpochIsTheTimeOfEveryEntry() throws IOException {
    write("app/kodata/a", "hello\n");
    write("app/kodata/d/b", "b\n");
    List<String> lines = list(layer(tmp.resolve("app/kodata"), "", 1700000000L));
    assertThat(lines).hasSize(6).allSatisfy(l -> assertThat(l).contains(" 2023-11-14 22:13:20 "));
  }

  @Test
  void aLinkOutOfKodataIsRefusedOutsideAGitWorktree() throws IOException {
    write("secret.txt", "secret\n");
    link("app/kodata/leak", "../../secret.txt");
    Path kodata = tmp.resolve("app/kodata");
    assertThat(AppLayers.allowedRoot(kodata, "")).isEqualTo(kodata.toRealPath());
    assertThatThrownBy(() -> layer(kodata, "", 0))
        .hasMessageContaining(
            "kodata symlink \""
                + kodata.resolve("leak")
                + "\" resolves to \""
                + tmp.resolve("secret.txt").toRealPath())
        .hasMessageContaining("which is outside the allowed root \"" + kodata.toRealPath() + "\"");
  }

  @Test
  void insideAGitWorktreeTheWorktreeIsTheRoot() throws IOException {
    Files.createDirectories(tmp.resolve("repo/.git"));
    write("repo/shared/logo.txt", "logo\n");
    link("repo/cmd/app/kodata/logo.txt", "../../../shared/logo.txt");
    write("outside.txt", "no\n");
    Path kodata = tmp.resolve("repo/cmd/app/kodata");
    assertThat(AppLayers.allowedRoot(kodata, "")).isEqualTo(tmp.resolve("repo").toRealPath());
    assertThat(content(layer(kodata, "", 0), "/var/run/ko/logo.txt")).isEqualTo("logo\n");

    link("repo/cmd/app/kodata/escape.txt", "../../../../outside.txt");
    assertThatThrownBy(() -> layer(kodata, "", 0)).hasMessageContaining("outside the allowed root");
  }

  @Test
  void koDataPathAllowedRootWidensOnlyWhenItIsAnAncestor() throws IOException {
    write("project/assets/logo.txt", "logo\n");
    link("project/app/kodata/logo.txt", "../../assets/logo.txt");
    Path kodata = tmp.resolve("project/app/kodata");
    String ancestor = tmp.resolve("project").toString();
    assertThat(AppLayers.allowedRoot(kodata, ancestor))
        .isEqualTo(tmp.resolve("project").toRealPath());
    assertThat(content(layer(kodata, ancestor, 0), "/var/run/ko/logo.txt")).isEqualTo("logo\n");

    String notAnAncestor = tmp.resolve("project/assets").toString();
    assertThat(AppLayers.allowedRoot(kodata, notAnAncestor))
        .as("ignored")
        .isEqualTo(kodata.toRealPath());
    assertThatThrownBy(() -> layer(kodata, notAnAncestor, 0))
        .hasMessageContaining("outside the allowed root");

    assertThat(AppLayers.allowedRoot(kodata, "/"))
        .as("root / contains everything")
        .isEqualTo(Path.of("/"));
    assertThat(content(layer(kodata, "/", 0), "/var/run/ko/logo.txt")).isEqualTo("logo\n");
  }

  @Test
  void kodataThatIsItselfALinkOutOfThePackageIsRefusedUnlessAllowed() throws IOException {
    write("elsewhere/secret.txt", "secret\n");
    Files.createDirectories(tmp.resolve("app"));
    Path kodata = link("app/kodata", "../elsewhere");
    assertThat(AppLayers.allowedRoot(kodata, ""))
        .as("the root comes from where the link is, not where it points")
        .isEqualTo(tmp.resolve("app").toRealPath().resolve("kodata"));
    assertThatThrownBy(() -> layer(kodata, "", 0))
        .hasMessage(
            "kodata symlink \""
                + kodata
                + "\" resolves to \""
                + tmp.resolve("elsewhere").toRealPath()
                + "\" which is outside the allowed root \""
                + tmp.resolve("app").toRealPath().resolve("kodata")
                + "\"");

    String allowed = tmp.toString();
    assertThat(content(layer(kodata, allowed, 0), "/var/run/ko/secret.txt"))
        .as("inside KO_DATA_PATH_ALLOWED_ROOT")
        .isEqualTo("secret\n");
  }

  @Test
  void aLinkToADirectoryThatContainsItIsRefusedNamingTheLink() throws IOException {
    Path kodata = tmp.resolve("app/kodata");
    write("app/kodata/a.txt", "a\n");
    link("app/kodata/self", ".");
    assertThatThrownBy(() -> layer(kodata, "", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "kodata symlink \""
                + kodata.resolve("self")
                + "\" points to \""
                + kodata.toRealPath()
                + "\", a directory that contains it: following it would never end");

    // deeper: a subdirectory linking back to its parent
    Files.delete(kodata.resolve("self"));
    link("app/kodata/d/e/up", "..");
    assertThatThrownBy(() -> layer(kodata, "", 0))
        .hasMessageStartingWith(
            "kodata symlink \""
                + kodata.resolve("d/e/up")
                + "\" points to \""
                + kodata.resolve("d").toRealPath()
                + "\"");
  }

  @Test
  void twoLinksToTheSameDirectoryAreNoCycle() throws IOException {
    Path kodata = tmp.resolve("app/kodata");
    write("app/kodata/shared/x.txt", "x\n");
    link("app/kodata/one", "shared");
    link("app/kodata/sub/two", "../shared");
    assertThat(list(layer(kodata, "", 0)))
        .extracting(l -> l.substring(l.lastIndexOf(' ') + 1))
        .contains("/var/run/ko/one/x.txt", "/var/run/ko/shared/x.txt", "/var/run/ko/sub/two/x.txt");
  }

  @Test
  void noKodataGivesOnlyTheDirectories() throws IOException {
    assertThat(list(layer(tmp.resolve("nothing/kodata"), "", 0))).hasSize(3);
  }
}
