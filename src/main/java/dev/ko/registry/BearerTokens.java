package dev.ko.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ko.concurrent.Futures;
import dev.ko.oci.GoJson;
import dev.ko.registry.TokenCache.Token;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;

/**
 * Bearer tokens from the token server a challenge names, one per {@link Access} (a repository and
 * its scopes), token server and credential, reused until shortly before it expires, from the run's
 * or the build server's {@link TokenCache}. Parallel requests for the same access wait for one
 * token request instead of each making their own.
 */
final class BearerTokens {
  private final Transport next;
  private final Clock clock;
  private final TokenCache cache;
  private final ConcurrentMap<TokenCache.Key, CompletableFuture<Token>> tokens;

  /**
   * @param next where token requests go (retried, as any idempotent request), never with the
   *     registry's token
   * @param clock decides when tokens expire (tests move it forward)
   * @param cache where tokens are kept: the run's own, or the build server's
   */
  BearerTokens(Transport next, Clock clock, TokenCache cache) {
    this.next = next;
    this.clock = clock;
    this.cache = cache;
    this.tokens = cache.tokens;
  }

  /** A valid token for the access and credential: the one held, or a new one. */
  String token(Access access, Challenge challenge, Credential credential) throws IOException {
    TokenCache.Key key = TokenCache.Key.of(access, challenge, credential);
    CompletableFuture<Token> cached = tokens.get(key);
    if (cached != null
        && cached.isDone()
        && !cached.isCompletedExceptionally()
        && !cached.join().validAt(clock.instant())) {
      tokens.remove(key, cached);
    }
    return Futures.once(tokens, key, () -> fetch(access, challenge, credential)).value();
  }

  /** Drops the token held for the access (the registry refused it). */
  void forget(Access access, Challenge challenge, Credential credential) {
    tokens.remove(TokenCache.Key.of(access, challenge, credential));
  }

  /**
   * Asks for a token with {@code scopes}' scopes, to be used for {@code access} from now on (a
   * registry's challenge may name a scope wider than ours).
   */
  void renew(Access access, Access scopes, Challenge challenge, Credential credential)
      throws IOException {
    tokens.put(
        TokenCache.Key.of(access, challenge, credential),
        CompletableFuture.completedFuture(fetch(scopes, challenge, credential)));
  }

  private Token fetch(Access access, Challenge challenge, Credential cred) throws IOException {
    if (!cred.registryToken().isEmpty()) {
      return new Token(cred.registryToken(), Instant.MAX);
    }
    String realm = challenge.param("realm");
    if (realm.isEmpty()) {
      throw new IOException(
          "registry " + access.registry() + " asked for a Bearer token but named no realm");
    }
    String service = challenge.param("service");
    Request request;
    if (!cred.identityToken().isEmpty()) {
      String form =
          "grant_type=refresh_token&client_id=ko"
              + "&refresh_token="
              + encode(cred.identityToken())
              + "&service="
              + encode(service)
              + "&scope="
              + encode(String.join(" ", access.scopes()));
      request =
          Request.of(access.registry(), "POST", URI.create(realm))
              .withHeader("Content-Type", "application/x-www-form-urlencoded")
              .withBody(form.getBytes(StandardCharsets.UTF_8))
              // Asking for a token again does no harm.
              .withIdempotent(true);
    } else {
      StringBuilder q = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?");
      q.append("service=").append(encode(service));
      for (String scope : access.scopes()) {
        q.append("&scope=").append(encode(scope));
      }
      request = Request.of(access.registry(), "GET", URI.create(q.toString()));
      if (cred.hasPassword()) {
        request = request.withHeader("Authorization", cred.basicHeader());
      }
    }
    URI shown = Urls.stripQuery(request.uri());
    HttpResponse<byte[]> r = next.send(request, BodyHandlers.ofByteArray());
    Responses.check(request.method(), shown.toString(), r, Set.of(200));
    JsonNode reply;
    try {
      reply = GoJson.mapper().readTree(r.body());
    } catch (IOException e) {
      throw new IOException("token server " + shown + " answered with something that is not JSON");
    }
    String token = reply.path("token").asText("");
    if (token.isEmpty()) {
      token = reply.path("access_token").asText("");
    }
    if (token.isEmpty()) {
      throw new IOException("token server " + shown + " answered without a token");
    }
    long expiresIn = reply.path("expires_in").asLong(60);
    cache.dropExpired(clock.instant());
    // Renew a little early so a token never expires in the middle of an upload.
    return new Token(token, clock.instant().plusSeconds(Math.max(10, expiresIn) - 5));
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
