package dev.ko.registry;

import dev.ko.name.Repository;

/**
 * {@code GITHUB_TOKEN} for {@code ghcr.io}, as ko's keychain does in GitHub Actions: the token is
 * the password, {@code GITHUB_ACTOR} (or {@code unset}) the username.
 */
public final class GitHubKeychain implements Keychain {
  static final String GHCR = "ghcr.io";

  private final String token;
  private final String actor;

  public GitHubKeychain(GitHubToken gitHub) {
    this.token = gitHub.token();
    this.actor = gitHub.actor().isEmpty() ? "unset" : gitHub.actor();
  }

  @Override
  public Credential resolve(Repository repository) {
    if (token.isEmpty() || !repository.registry().host().equals(GHCR)) {
      return Credential.ANONYMOUS;
    }
    return Credential.basic(actor, token);
  }
}
