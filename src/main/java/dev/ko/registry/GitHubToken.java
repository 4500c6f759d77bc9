package dev.ko.registry;

/**
 * The token GitHub Actions provides ({@code GITHUB_TOKEN}) and who it belongs to ({@code
 * GITHUB_ACTOR}); both empty when not running there.
 */
public record GitHubToken(String token, String actor) {
  public static final GitHubToken NONE = new GitHubToken("", "");

  public GitHubToken {
    token = token == null ? "" : token;
    actor = actor == null ? "" : actor;
  }
}
