package dev.ko.registry;

import dev.ko.name.Repository;
import java.util.Map;

/**
 * {@code GITHUB_TOKEN} for {@code ghcr.io}, as ko's keychain does in GitHub Actions: the token is
 * the password, {@code GITHUB_ACTOR} (or {@code unset}) the username.
 */
public final class GitHubKeychain implements Keychain {
  static final String GHCR = "ghcr.io";

  private final String token;
  private final String actor;

  public GitHubKeychain(Map<String, String> env) {
    this.token = env.getOrDefault("GITHUB_TOKEN", "");
    String a = env.getOrDefault("GITHUB_ACTOR", "");
    this.actor = a.isEmpty() ? "unset" : a;
  }

  @Override
  public Credential resolve(Repository repository) {
    if (token.isEmpty() || !repository.registry().host().equals(GHCR)) {
      return Credential.ANONYMOUS;
    }
    return Credential.basic(actor, token);
  }
}
