package dev.ko.attest;

import dev.ko.process.ExternalCommand;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a build's source is: the git remote ({@code remote.origin.url}, else the first remote) with
 * any credentials removed, the HEAD commit and whether the work tree is dirty.
 *
 * @param remote the remote's URL without user information; empty when the repository has none
 */
public record GitSource(String remote, String commit, boolean dirty) {

  /**
   * The repository that contains {@code dir}; empty when git, a repository or a commit is missing.
   */
  public static Optional<GitSource> read(Path dir, Map<String, String> env) {
    if (ExternalCommand.lookPath("git", env).isEmpty()) {
      return Optional.empty();
    }
    ExternalCommand git = new ExternalCommand("git", env).in(dir);
    try {
      ExternalCommand.Result head = git.run(List.of("rev-parse", "--verify", "-q", "HEAD"));
      if (head.exit() != 0) {
        return Optional.empty();
      }
      String remote = "";
      ExternalCommand.Result origin = git.run(List.of("config", "--get", "remote.origin.url"));
      if (origin.exit() == 0 && !origin.stdoutText().isBlank()) {
        remote = origin.stdoutText().strip();
      } else {
        ExternalCommand.Result remotes = git.run(List.of("remote"));
        String first = remotes.stdoutText().strip().lines().findFirst().orElse("");
        if (remotes.exit() == 0 && !first.isEmpty()) {
          ExternalCommand.Result url = git.run(List.of("remote", "get-url", first));
          remote = url.exit() == 0 ? url.stdoutText().strip() : "";
        }
      }
      ExternalCommand.Result status = git.run(List.of("status", "--porcelain"));
      boolean dirty = status.exit() != 0 || !status.stdoutText().isBlank();
      return Optional.of(
          new GitSource(withoutCredentials(remote), head.stdoutText().strip(), dirty));
    } catch (InterruptedIOException e) {
      throw new UncheckedIOException(e);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * {@code url} without user information ({@code https://user:token@host/x} becomes {@code
   * https://host/x}); scp-like remotes ({@code git@host:org/repo}) name a login, not a secret, and
   * are kept; anything unparsable that holds an {@code @} before the host is cut down to what
   * follows it.
   */
  public static String withoutCredentials(String url) {
    int scheme = url.indexOf("://");
    if (scheme < 0) {
      return url;
    }
    try {
      URI u = new URI(url);
      if (u.getRawUserInfo() == null) {
        return url;
      }
      return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), u.getQuery(), null)
          .toString();
    } catch (URISyntaxException e) {
      int start = scheme + 3;
      int slash = url.indexOf('/', start);
      int at = url.lastIndexOf('@', slash < 0 ? url.length() : slash);
      return at < start ? url : url.substring(0, start) + url.substring(at + 1);
    }
  }
}
