package dev.ko.cli;

import static dev.ko.cli.BuildErrorsIntegrationTest.failure;
import static dev.ko.cli.BuildErrorsIntegrationTest.md5;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.testing.KoRunner;
import dev.ko.testing.Repo;
import dev.ko.testing.TestBed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad inputs of the reliability issue, each against the real registry and go: one {@code
 * Error:} line naming the value, exit 1, nothing on stdout, no tag pushed.
 */
@Tag("integration")
class BadInputIntegrationTest {
  private static final String HELLO = "hello-" + md5Unchecked("example.com/hello/cmd/hello");

  private final TestBed bed = TestBed.plain();

  @TempDir Path tmp;

  private Map<String, String> env(String repo) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", bed.registry() + "/" + repo);
    env.put("KO_DEFAULTBASEIMAGE", bed.base());
    env.put("KOCACHE", tmp.resolve("cache").toString());
    env.put("DOCKER_CONFIG", tmp.resolve("no-docker-config").toString());
    return env;
  }

  private static String md5Unchecked(String s) {
    try {
      return md5(s);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void emptyOrHiddenTagRefusedBeforeBuilding() throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    String repo = "bad-tag-" + Long.toHexString(System.nanoTime());
    assertThat(failure(KoRunner.in(module, env(repo)).run("build", "-t", "", "./cmd/hello")))
        .isEqualTo("Error: invalid tag \"\": tag must not be empty");
    assertThat(failure(KoRunner.in(module, env(repo)).run("build", "-t=.hidden", "./cmd/hello")))
        .isEqualTo(
            "Error: invalid tag \".hidden\": tag must start with a letter, a digit or `_`:"
                + " .hidden");
    assertThat(failure(KoRunner.in(module, env(repo)).run("build", "-t", "v1,-x", "./cmd/hello")))
        .startsWith("Error: invalid tag \"-x\"");
    assertThat(bed.tags(repo + "/" + HELLO)).as("nothing pushed").isEmpty();
    // The grammar still takes a tag starting with a letter, a digit or "_".
    KoRunner.Result ok =
        KoRunner.in(module, env(repo)).run("build", "-t", "_v1.0-rc", "./cmd/hello");
    assertThat(ok.exit()).as(ok.describe()).isZero();
    assertThat(bed.tags(repo + "/" + HELLO)).contains("_v1.0-rc");
  }

  @Test
  void emptyPlatformEntriesRefused() throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    String repo = "bad-platform-" + Long.toHexString(System.nanoTime());
    for (String value : new String[] {",,", "", ",", "linux/amd64,", "linux/amd64,,linux/arm64"}) {
      assertThat(
              failure(
                  KoRunner.in(module, env(repo))
                      .run("build", "--platform=" + value, "./cmd/hello")))
          .isEqualTo(
              "Error: invalid --platform \""
                  + value
                  + "\": an empty platform; want all | <os>[/<arch>[/<variant>]][,platform]*");
    }
    // The same through picocli (a flag the quick parser does not take forces it).
    assertThat(
            failure(
                KoRunner.in(module, env(repo))
                    .run("build", "--platform", ",,", "--image-label=k=\"v\"", "./cmd/hello")))
        .startsWith("Error: invalid --platform \",,\"");
    assertThat(bed.tags(repo + "/" + HELLO)).as("nothing pushed").isEmpty();
  }

  @Test
  void koDockerRepoWithAnEmptyPathComponentRefused() throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    for (String path : new String[] {"/bad-double", "bad-trailing/"}) {
      Map<String, String> env = env("unused");
      String value = bed.registry() + "/" + path;
      env.put("KO_DOCKER_REPO", value);
      assertThat(failure(KoRunner.in(module, env).run("build", "./cmd/hello")))
          .isEqualTo(
              "Error: failed to parse \""
                  + value
                  + "\" as repository: repository path has an empty component: "
                  + path);
    }
    assertThat(bed.tags("bad-double/" + HELLO)).as("nothing pushed").isEmpty();
    assertThat(bed.tags("bad-trailing/" + HELLO)).as("nothing pushed").isEmpty();
  }

  @Test
  void kodataThatIsALinkOutOfThePackageIsRefused() throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("secret.txt"), "not for the image\n");
    Path kodata = module.resolve("cmd/hello/kodata");
    try (var files = Files.walk(kodata)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    Files.createSymbolicLink(kodata, outside);
    String repo = "bad-kodata-" + Long.toHexString(System.nanoTime());
    String e = failure(KoRunner.in(module, env(repo)).run("build", "./cmd/hello"));
    assertThat(e)
        .contains("kodata symlink \"" + kodata + "\" resolves to \"" + outside.toRealPath())
        .contains("which is outside the allowed root");
    assertThat(bed.tags(repo + "/" + HELLO)).as("nothing pushed").isEmpty();

    // Inside KO_DATA_PATH_ALLOWED_ROOT it is followed, and its file is in the pushed image.
    Map<String, String> env = env(repo);
    env.put("KO_DATA_PATH_ALLOWED_ROOT", tmp.toString());
    KoRunner.Result ok = KoRunner.in(module, env).run("build", "./cmd/hello");
    assertThat(ok.exit()).as(ok.describe()).isZero();
    Path layout = tmp.resolve("pulled");
    dev.ko.testing.Proc.Result copy =
        dev.ko.testing.Proc.run(
            tmp,
            Map.of(),
            List.of(
                "skopeo",
                "copy",
                "--src-tls-verify=false",
                "docker://" + ok.stdout().strip(),
                "oci:" + layout + ":x"));
    assertThat(copy.exit()).as(copy.stderr()).isZero();
    dev.ko.testing.Proc.Result unpack =
        dev.ko.testing.Proc.run(
            tmp,
            Map.of(),
            List.of(
                "umoci",
                "raw",
                "unpack",
                "--rootless",
                "--image",
                layout + ":x",
                tmp.resolve("rootfs").toString()));
    assertThat(unpack.exit()).as(unpack.stderr()).isZero();
    assertThat(Files.readString(tmp.resolve("rootfs/var/run/ko/secret.txt")))
        .isEqualTo("not for the image\n");
  }

  @Test
  void goListFailingKeepsAllOfGosExplanation() throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    Files.createDirectories(module.resolve("vendor"));
    // vendor/modules.txt that go.mod does not match: go explains over several lines.
    Files.writeString(
        module.resolve("vendor/modules.txt"),
        "# example.com/dep v1.0.0\n## explicit\nexample.com/dep\n");
    String repo = "bad-vendor-" + Long.toHexString(System.nanoTime());
    KoRunner.Result r = KoRunner.in(module, env(repo)).run("build", "./cmd/hello");
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr().lines().filter(l -> l.startsWith("Error:"))).hasSize(1);
    String error = r.stderr().substring(r.stderr().indexOf("Error:")).strip();
    assertThat(error)
        .startsWith("Error: go list: exit status 1: go: inconsistent vendoring in ")
        .contains(
            "example.com/dep@v1.0.0: is marked as explicit in vendor/modules.txt, but not"
                + " explicitly required in go.mod")
        .contains("To ignore the vendor directory, use -mod=readonly or -mod=mod.")
        .endsWith("To sync the vendor directory, run:\n\t\tgo mod vendor");
    assertThat(bed.tags(repo + "/" + HELLO)).as("nothing pushed").isEmpty();
  }

  @Test
  void yamlNestedTooDeepIsOneErrorWithItsPosition() throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    String repo = "bad-deep-" + Long.toHexString(System.nanoTime());
    int d = 2500;
    Files.writeString(module.resolve("flow.yaml"), "a: " + "[".repeat(d) + "]".repeat(d) + "\n");
    StringBuilder block = new StringBuilder("image: ko://example.com/hello/cmd/hello\n");
    for (int i = 0; i < d; i++) {
      block.append("  ".repeat(i)).append("k").append(i).append(":\n");
    }
    block.append("  ".repeat(d)).append("v\n");
    Files.writeString(module.resolve("block.yaml"), block);
    String tooDeep = "nested deeper than 256 levels of mappings and sequences";
    assertThat(failure(KoRunner.in(module, env(repo)).run("resolve", "-f", "flow.yaml")))
        .isEqualTo(
            "Error: error processing import paths in \"flow.yaml\": yaml: line 1, column 259: "
                + tooDeep);
    KoRunner.Result viaStdin =
        KoRunner.in(module, env(repo))
            .withStdin(Files.readString(module.resolve("block.yaml")))
            .run("resolve", "-f", "-");
    assertThat(failure(viaStdin)).endsWith("yaml: line 258, column 513: " + tooDeep);

    Files.copy(module.resolve("block.yaml"), module.resolve(".ko.yaml"));
    assertThat(failure(KoRunner.in(module, env(repo)).run("build", "./cmd/hello")))
        .isEqualTo(
            "Error: "
                + module.resolve(".ko.yaml").toRealPath()
                + ":258:513: invalid YAML: "
                + tooDeep);
    Files.delete(module.resolve(".ko.yaml"));
    assertThat(bed.tags(repo + "/" + HELLO)).as("nothing pushed").isEmpty();

    // At the limit it resolves (the composer's recursion fits).
    int max = dev.ko.io.YamlDepthLimit.MAX_DEPTH;
    String atLimit =
        "image: ko://example.com/hello/cmd/hello\nx: " + "[".repeat(max - 1) + "]".repeat(max - 1);
    Files.writeString(module.resolve("limit.yaml"), atLimit + "\n");
    KoRunner.Result ok = KoRunner.in(module, env(repo)).run("resolve", "-f", "limit.yaml");
    assertThat(ok.exit()).as(ok.describe()).isZero();
    assertThat(ok.stdout()).startsWith("image: " + bed.registry() + "/" + repo + "/" + HELLO + "@");
  }

  @Test
  void complexKeysResolveAndATemplateThatIsNotYamlGetsItsPosition() throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    String repo = "bad-keys-" + Long.toHexString(System.nanoTime());
    Files.writeString(
        module.resolve("keys.yaml"),
        "? [a, b]\n: ko://example.com/hello/cmd/hello\n? {k: v}   # a mapping as a key\n: c\n");
    KoRunner.Result ok = KoRunner.in(module, env(repo)).run("resolve", "-f", "keys.yaml");
    assertThat(ok.exit()).as(ok.describe()).isZero();
    String ref = ok.stdout().lines().toList().get(1).substring(2);
    assertThat(ref).startsWith(bed.registry() + "/" + repo + "/" + HELLO + "@sha256:");
    assertThat(ok.stdout())
        .as("every other byte kept")
        .isEqualTo("? [a, b]\n: " + ref + "\n? {k: v}   # a mapping as a key\n: c\n\n---\n");

    String otherRepo = repo + "-tpl";
    Files.writeString(
        module.resolve("chart.yaml"),
        "apiVersion: v1\nkind: Pod\n{{- if .Values.enabled }}\nspec:\n  image:"
            + " ko://example.com/hello/cmd/hello\n{{- end }}\n");
    assertThat(failure(KoRunner.in(module, env(otherRepo)).run("resolve", "-f", "chart.yaml")))
        .isEqualTo(
            "Error: error processing import paths in \"chart.yaml\": yaml: line 4, column 1:"
                + " could not find expected ':' (while scanning a simple key at line 3, column 1)");
    assertThat(bed.tags(otherRepo + "/" + HELLO)).as("nothing pushed").isEmpty();
  }

  @Test
  void sigkillDuringGoBuildTakesTheGoBuildWithIt() throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    Path pidFile = tmp.resolve("go-build.pid");
    Path slowGo = tmp.resolve("slow-go");
    // go build stands still (a real go does everything else, so ko gets as far as building).
    Files.writeString(
        slowGo,
        "#!/bin/sh\nif [ \"$1\" = build ]; then echo $$ > "
            + pidFile
            + ".tmp; mv "
            + pidFile
            + ".tmp "
            + pidFile
            + "; exec sleep 300; fi\nexec go \"$@\"\n");
    Files.setPosixFilePermissions(
        slowGo, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of("build", "./cmd/hello"));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(module.toFile());
    pb.environment().putAll(env("bad-sigkill"));
    pb.environment().put("KO_GO_PATH", slowGo.toString());
    pb.redirectOutput(tmp.resolve("out.txt").toFile());
    pb.redirectError(tmp.resolve("err.txt").toFile());
    Process ko = pb.start();
    long goPid = -1;
    try {
      for (int i = 0; i < 600 && goPid < 0; i++) {
        if (Files.exists(pidFile)) {
          goPid = Long.parseLong(Files.readString(pidFile).strip());
        } else {
          assertThat(ko.isAlive()).as(Files.readString(tmp.resolve("err.txt"))).isTrue();
          Thread.sleep(50);
        }
      }
      assertThat(goPid).as("go build started").isPositive();
      assertThat(running(goPid)).as("go build runs while ko does").isTrue();
    } finally {
      ko.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup of ours runs
      ko.waitFor();
    }
    boolean gone = false;
    for (int i = 0; i < 100 && !gone; i++) {
      gone = !running(goPid);
      if (!gone) {
        Thread.sleep(20);
      }
    }
    if (!gone) {
      ProcessHandle.of(goPid).ifPresent(ProcessHandle::destroyForcibly);
    }
    assertThat(gone).as("go build (pid " + goPid + ") gone within 2 s of ko's SIGKILL").isTrue();
  }

  /** Alive and not a zombie (a killed child whose reaper has not collected it yet). */
  private static boolean running(long pid) throws Exception {
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    String s;
    try {
      s = Files.readString(stat);
    } catch (java.nio.file.NoSuchFileException e) {
      return false;
    }
    char state = s.charAt(s.lastIndexOf(')') + 2);
    return state != 'Z' && state != 'X';
  }

  @Test
  void resolvingA50MegabyteFileFitsInTenTimesItsSize() throws Exception {
    Path module = Repo.copyExample(tmp.resolve("example"));
    Path big = module.resolve("big.yaml");
    int documents = 0;
    try (var w = Files.newBufferedWriter(big)) {
      long written = 0;
      while (written < 50L * 1024 * 1024) {
        StringBuilder doc = new StringBuilder();
        doc.append("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-")
            .append(documents)
            .append("\n  labels: {app: a, tier: \"t\"}\ndata:\n")
            .append("  image: ko://example.com/hello/cmd/hello\n  list:\n");
        for (int j = 0; j < 20; j++) {
          doc.append("    - item-").append(j).append(": value with some text to pad it out\n");
        }
        doc.append("---\n");
        w.write(doc.toString());
        written += doc.length();
        documents++;
      }
    }
    long size = Files.size(big);
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx" + (size * 10 / (1024 * 1024)) + "m"); // ten times the input, heap included
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of("resolve", "-f", "big.yaml"));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(module.toFile());
    pb.environment().putAll(env("bad-big"));
    Path out = tmp.resolve("out.yaml");
    pb.redirectOutput(out.toFile());
    pb.redirectError(tmp.resolve("err.txt").toFile());
    Process p = pb.start();
    assertThat(p.waitFor()).as(Files.readString(tmp.resolve("err.txt"))).isZero();
    String ref = bed.registry() + "/bad-big/" + HELLO + "@sha256:";
    long replaced;
    try (var lines = Files.lines(out)) {
      replaced = lines.filter(l -> l.startsWith("  image: " + ref)).count();
    }
    assertThat(replaced).as("every document's reference replaced").isEqualTo(documents);
    assertThat(Files.size(out)).as("the rest kept").isGreaterThan(size);
  }
}
