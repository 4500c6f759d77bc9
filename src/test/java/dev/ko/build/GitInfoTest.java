package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.testing.GitRepo;
import dev.ko.testing.RecordingLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code .Git} from a real git, the cases of ko's internal/git tests. */
class GitInfoTest {
  @TempDir Path dir;

  private final RecordingLog log = new RecordingLog();
  private final List<String> logged = log.lines;

  private static final Map<String, String> ENV =
      Map.of(
          "PATH",
          System.getenv("PATH"),
          "HOME",
          "/nonexistent",
          "GIT_CONFIG_GLOBAL",
          "/dev/null",
          "GIT_CONFIG_NOSYSTEM",
          "1");

  private GitInfo read() {
    return GitInfo.read(dir, ENV, log);
  }

  private void commit() throws Exception {
    Files.writeString(dir.resolve("main.go"), "package main\n\nfunc main() {}\n");
    GitRepo.init(dir);
    GitRepo.commitAll(dir, "first");
  }

  @Test
  void notARepository() {
    assertThat(read()).isEqualTo(GitInfo.NONE);
    assertThat(logged)
        .containsExactly("current folder is not a git repository. Git info will not be available");
  }

  @Test
  void singleCommitWithoutTags() throws Exception {
    commit();
    GitInfo info = read();
    String full = GitRepo.git(dir, "rev-parse", "HEAD");
    assertThat(info.branch()).isEqualTo("main");
    assertThat(info.fullCommit()).isEqualTo(full);
    assertThat(info.shortCommit()).isEqualTo(GitRepo.git(dir, "rev-parse", "--short", "HEAD"));
    assertThat(info.commitDate()).isEqualTo(Instant.parse("2024-01-02T03:04:05Z"));
    assertThat(info.tag()).isEqualTo("v0.0.0");
    assertThat(info.dirty()).isFalse();
    assertThat(logged)
        .containsExactly("git doesn't contain any tags. Tag info will not be available");
    Map<String, Object> v = info.templateValue();
    assertThat(v)
        .containsEntry("CommitDate", "2024-01-02T03:04:05Z")
        .containsEntry("CommitTimestamp", 1704164645L)
        .containsEntry("TreeState", "clean")
        .containsEntry("IsClean", true)
        .containsEntry("IsDirty", false);
  }

  @Test
  void latestTagAndOtherBranch() throws Exception {
    commit();
    GitRepo.git(dir, "tag", "v0.0.1");
    GitRepo.git(dir, "checkout", "-q", "-b", "feature");
    Files.writeString(dir.resolve("b.txt"), "b\n");
    GitRepo.commitAll(dir, "second");
    GitRepo.git(dir, "tag", "v0.0.2");
    GitInfo info = read();
    assertThat(info.tag()).isEqualTo("v0.0.2");
    assertThat(info.branch()).isEqualTo("feature");
    assertThat(logged).isEmpty();
  }

  @Test
  void dirty() throws Exception {
    commit();
    GitRepo.git(dir, "tag", "v0.0.1");
    Files.writeString(dir.resolve("main.go"), "package main\n\nfunc main() { println() }\n");
    GitInfo info = read();
    assertThat(info.dirty()).isTrue();
    assertThat(info.templateValue())
        .containsEntry("TreeState", "dirty")
        .containsEntry("IsDirty", true);
    assertThat(logged)
        .singleElement()
        .asString()
        .startsWith(
            """
            git is in a dirty state
            Please check in your pipeline what can be changing the following files:
            """)
        .contains("main.go");
  }

  @Test
  void newRepositoryWithoutCommits() throws Exception {
    GitRepo.init(dir);
    assertThat(read()).isEqualTo(GitInfo.NONE);
    assertThat(logged)
        .singleElement()
        .asString()
        .startsWith("couldn't get current commit: ")
        .contains("ambiguous argument 'HEAD'");
  }

  @Test
  void gitMissingFromPath() {
    GitInfo info = GitInfo.read(dir, Map.of("PATH", dir.resolve("no-bin").toString()), log);
    assertThat(info).isEqualTo(GitInfo.NONE);
    assertThat(logged).containsExactly("git not present in PATH. Git info will not be available");
  }
}
