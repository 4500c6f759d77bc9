package dev.ko.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Git repositories for tests, with a fixed identity and fixed commit dates, so the same files
 * committed in two places give the same commit hash.
 */
public final class GitRepo {
  private static final Map<String, String> IDENTITY =
      Map.of(
          "GIT_AUTHOR_NAME", "ko-jvm test",
          "GIT_AUTHOR_EMAIL", "test@ko-jvm.invalid",
          "GIT_COMMITTER_NAME", "ko-jvm test",
          "GIT_COMMITTER_EMAIL", "test@ko-jvm.invalid",
          "GIT_AUTHOR_DATE", "2024-01-02T03:04:05Z",
          "GIT_COMMITTER_DATE", "2024-01-02T03:04:05Z",
          "GIT_CONFIG_GLOBAL", "/dev/null",
          "GIT_CONFIG_NOSYSTEM", "1");

  private GitRepo() {}

  /** {@code git init} on branch {@code main}. */
  public static void init(Path dir) throws IOException {
    git(dir, "init", "-q", "-b", "main");
  }

  /** Adds everything and commits. */
  public static void commitAll(Path dir, String message) throws IOException {
    git(dir, "add", "-A");
    git(dir, "-c", "commit.gpgsign=false", "commit", "-q", "-m", message);
  }

  /** Runs git and returns its stdout, failing on a non-zero exit. */
  public static String git(Path dir, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add("git");
    cmd.addAll(List.of(args));
    Proc.Result r = Proc.run(dir, IDENTITY, cmd);
    if (r.exit() != 0) {
      throw new IOException("git " + String.join(" ", args) + " failed: " + r.stderr());
    }
    return r.stdout().strip();
  }
}
