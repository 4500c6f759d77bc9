package dev.ko.build;

import dev.ko.log.Log;
import dev.ko.process.ExternalCommand;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What templates see as {@code .Git}: the branch, tag, commit and tree state of the build
 * directory's repository, read with {@code git -c log.showSignature=false ...}. Problems (no git,
 * not a repository, no commits, no tags, a dirty tree) are logged, never fatal, as in ko.
 *
 * @param commitDate the HEAD commit's committer time; null without a commit (Go's zero time)
 */
public record GitInfo(
    String branch,
    String tag,
    String shortCommit,
    String fullCommit,
    Instant commitDate,
    boolean dirty) {
  static final GitInfo NONE = new GitInfo("", "", "", "", null, false);

  /** Go's time.RFC3339 layout. */
  static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXX");

  private static final Instant GO_ZERO_TIME = Instant.parse("0001-01-01T00:00:00Z");

  /** The map templates read: {@code .Git.Branch}, {@code .Git.TreeState}, ... */
  public Map<String, Object> templateValue() {
    Instant date = commitDate == null ? GO_ZERO_TIME : commitDate;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Branch", branch);
    m.put("Tag", tag);
    m.put("ShortCommit", shortCommit);
    m.put("FullCommit", fullCommit);
    m.put("CommitDate", RFC3339.format(date.atOffset(ZoneOffset.UTC)));
    m.put("CommitTimestamp", date.getEpochSecond());
    m.put("IsDirty", dirty);
    m.put("IsClean", !dirty);
    m.put("TreeState", dirty ? "dirty" : "clean");
    return m;
  }

  /** Reads the repository that contains {@code dir}, logging why any part is unavailable. */
  public static GitInfo read(Path dir, Map<String, String> env, Log log) {
    if (ExternalCommand.lookPath("git", env).isEmpty()) {
      log.info("git not present in PATH. Git info will not be available");
      return NONE;
    }
    Git git = new Git(new ExternalCommand("git", env).in(dir));
    try {
      Result inside = git.run("rev-parse", "--is-inside-work-tree");
      if (inside.exit != 0 || !inside.firstLine().equals("true")) {
        log.info("current folder is not a git repository. Git info will not be available");
        return NONE;
      }
      String branch;
      String shortCommit;
      String fullCommit;
      Instant date;
      try {
        branch = git.output("rev-parse", "--abbrev-ref", "HEAD", "--quiet");
        shortCommit = git.output("show", "--format=%h", "HEAD", "--quiet");
        fullCommit = git.output("show", "--format=%H", "HEAD", "--quiet");
        date =
            Instant.ofEpochSecond(
                Long.parseLong(git.output("show", "--format=%ct", "HEAD", "--quiet")));
      } catch (GitException | NumberFormatException e) {
        log.info("couldn't get current commit: " + e.getMessage());
        return NONE;
      }
      String tag;
      try {
        tag = git.output("describe", "--tags", "--abbrev=0", "HEAD");
      } catch (GitException e) {
        log.info("git doesn't contain any tags. Tag info will not be available");
        tag = "v0.0.0";
      }
      Result status = git.run("status", "--porcelain");
      boolean dirty = status.exit != 0 || !status.stdout.isBlank();
      if (dirty) {
        log.info(
            "git is in a dirty state\n"
                + "Please check in your pipeline what can be changing the following files:\n"
                + status.stdout.stripTrailing()
                + "\n");
      }
      return new GitInfo(branch, tag, shortCommit, fullCommit, date, dirty);
    } catch (InterruptedIOException e) {
      // Cancelled, not a git problem: nothing to report, and nothing may be cached from it.
      throw new UncheckedIOException(e);
    } catch (IOException e) {
      log.info("git is not available (" + e.getMessage() + "). Git info will not be available");
      return NONE;
    }
  }

  private static final class GitException extends Exception {
    private static final long serialVersionUID = 1L;

    GitException(String message) {
      super(message);
    }
  }

  private record Result(int exit, String stdout, String stderr) {
    /** Like ko: the first line, with single quotes removed. */
    String firstLine() {
      String s = stdout;
      int nl = s.indexOf('\n');
      return (nl < 0 ? s : s.substring(0, nl)).replace("'", "").strip();
    }
  }

  /** Runs git in one directory with the build's environment. */
  private record Git(ExternalCommand git) {
    String output(String... args) throws GitException, IOException {
      Result r = run(args);
      if (r.exit != 0) {
        throw new GitException(r.stderr.strip().replaceAll("\\s*\\n\\s*", " "));
      }
      return r.firstLine();
    }

    Result run(String... args) throws IOException {
      List<String> all = new ArrayList<>(List.of("-c", "log.showSignature=false"));
      all.addAll(List.of(args));
      ExternalCommand.Result r = git.run(all);
      return new Result(r.exit(), r.stdoutText(), r.stderr());
    }
  }
}
