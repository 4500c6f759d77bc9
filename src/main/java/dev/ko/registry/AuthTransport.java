package dev.ko.registry;

import dev.ko.concurrent.Futures;
import dev.ko.name.Registry;
import dev.ko.name.Repository;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Authenticates requests to the registry itself as its challenge asks: Basic with the keychain's
 * credentials, or a Bearer token for the request's {@link Access}. A request to any other host or
 * scheme (storage, a token server, an HTTPS registry's http:// location) goes without credentials.
 * After a 401 the token is dropped, the new challenge learned (it may name a wider scope, which is
 * added to ours) and the request sent once more; a second 401 is an error that says whether
 * credentials were found.
 */
final class AuthTransport implements Transport {
  private final Transport next;
  private final Keychain keychain;
  private final BearerTokens tokens;
  private final ConcurrentMap<Repository, CompletableFuture<Credential>> credentials =
      new ConcurrentHashMap<>();

  /** Challenges that 401s brought, which replace the ping's for the rest of the run. */
  private final ConcurrentMap<Registry, Challenge> challenges = new ConcurrentHashMap<>();

  /**
   * @param next where requests, and the token server's requests, go
   * @param clock decides when tokens expire
   * @param tokenCache where Bearer tokens are kept: the run's, or the build server's
   */
  AuthTransport(Transport next, Keychain keychain, Clock clock, TokenCache tokenCache) {
    this.next = next;
    this.keychain = keychain;
    this.tokens = new BearerTokens(next, clock, tokenCache);
  }

  @Override
  public <T> HttpResponse<T> send(Request request, HttpResponse.BodyHandler<T> handler)
      throws IOException {
    if (request.access().isEmpty() || !request.toRegistry()) {
      return next.send(request, handler);
    }
    Access access = request.access().get();
    Challenge pinged = request.ping().orElseThrow().challenge();
    HttpResponse<T> r = next.send(authorized(request, access, pinged), handler);
    if (r.statusCode() != 401) {
      return r;
    }
    Responses.discard(r);
    refresh(access, challenges.getOrDefault(access.registry(), pinged), Responses.challenge(r));
    r = next.send(authorized(request, access, pinged), handler);
    if (r.statusCode() == 401) {
      throw unauthorized(access, request.method(), request.uri(), r);
    }
    return r;
  }

  private Request authorized(Request request, Access access, Challenge pinged) throws IOException {
    Challenge challenge = challenges.getOrDefault(access.registry(), pinged);
    if (challenge.isBasic()) {
      Credential c = credential(access.repository());
      return c.hasPassword() ? request.withHeader("Authorization", c.basicHeader()) : request;
    }
    if (challenge.isBearer()) {
      String token = tokens.token(access, challenge, credential(access.repository()));
      return request.withHeader("Authorization", "Bearer " + token);
    }
    return request;
  }

  /** After a 401: forget the token sent (if any) and learn from the new challenge. */
  private void refresh(Access access, Challenge sent, Challenge challenge) throws IOException {
    if (sent.isBearer()) {
      tokens.forget(access, sent, credential(access.repository()));
    }
    if (challenge.isBearer()) {
      Access wider =
          challenge.param("scope").isEmpty() ? access : access.with(challenge.param("scope"));
      challenges.put(access.registry(), challenge);
      tokens.renew(access, wider, challenge, credential(access.repository()));
    } else if (challenge.isBasic()) {
      challenges.put(access.registry(), challenge);
    }
  }

  /**
   * The keychain's answer for a repository, asked once per run (a credential helper is a process).
   */
  private Credential credential(Repository repository) throws IOException {
    return Futures.once(credentials, repository, () -> keychain.resolve(repository));
  }

  /** A 401 that survived re-authentication, with what we know about why. */
  private RegistryException unauthorized(Access access, String method, URI uri, HttpResponse<?> r)
      throws IOException {
    Registry registry = access.registry();
    List<RegistryException.Entry> errors = Responses.parseErrors(Responses.readBody(r));
    Credential c = credential(access.repository());
    String why =
        c.isAnonymous()
            ? "no credentials found for " + registry + " (log in with: ko login " + registry + ")"
            : "the credentials for " + registry + " were refused";
    if (errors.isEmpty()) {
      errors =
          List.of(new RegistryException.Entry("UNAUTHORIZED", "authentication required; " + why));
    } else {
      List<RegistryException.Entry> withHint = new ArrayList<>(errors);
      RegistryException.Entry last = withHint.remove(withHint.size() - 1);
      withHint.add(new RegistryException.Entry(last.code(), last.message() + "; " + why));
      errors = withHint;
    }
    return new RegistryException(method, uri.toString(), 401, errors);
  }
}
