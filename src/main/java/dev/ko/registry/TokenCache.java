package dev.ko.registry;

import dev.ko.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Where Bearer tokens are kept while they are valid: for one run (a fresh {@code TokenCache} per
 * {@link RegistryClient}), or for the life of the build server, whose requests then share them. A
 * token is found again only for the same access (repository and scopes), the same token server
 * (realm and service) and the same credential, which the key holds as a hash of its secrets, never
 * the secrets; so a request whose {@code config.json} has other credentials gets a token of its
 * own. Expired tokens are dropped as new ones come in.
 */
public final class TokenCache {
  /** What a token was issued for. {@code credential} is a SHA-256 of the credential's fields. */
  record Key(Access access, String realm, String service, String credential) {
    static Key of(Access access, Challenge challenge, Credential credential) {
      return new Key(
          access, challenge.param("realm"), challenge.param("service"), identity(credential));
    }

    @Override
    public String toString() {
      return "TokenCache.Key[" + access + ", " + realm + ", " + service + "]";
    }
  }

  /** A token and the moment it is no longer used. */
  record Token(String value, Instant expires) {
    boolean validAt(Instant now) {
      return now.isBefore(expires);
    }

    @Override
    public String toString() {
      return "Token[expires=" + expires + "]";
    }
  }

  final ConcurrentMap<Key, CompletableFuture<Token>> tokens = new ConcurrentHashMap<>();

  /** An empty cache; a process that keeps one for its life shares its tokens between runs. */
  public TokenCache() {}

  /** Drops every token that has expired by {@code now}. */
  void dropExpired(Instant now) {
    tokens
        .entrySet()
        .removeIf(
            e ->
                e.getValue().isDone()
                    && !e.getValue().isCompletedExceptionally()
                    && !e.getValue().join().validAt(now));
  }

  /** How many tokens are held (for {@code ko server status} and tests). */
  public int size() {
    return tokens.size();
  }

  /**
   * The credential's identity: a hash of each field, length-prefixed so that no two credentials
   * share it. Equal for equal credentials, and shows nothing of them.
   */
  static String identity(Credential c) {
    StringBuilder all = new StringBuilder();
    for (String field :
        new String[] {c.username(), c.password(), c.identityToken(), c.registryToken()}) {
      all.append(field.length()).append(':').append(field);
    }
    return Digest.of(all.toString().getBytes(StandardCharsets.UTF_8)).hex();
  }
}
