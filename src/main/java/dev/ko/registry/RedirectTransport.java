package dev.ko.registry;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.Set;

/**
 * Follows the redirects a GET gets (registries that keep blobs in S3 or GCS send blob downloads
 * there), at most {@value #MAX_HOPS} hops, each target checked by {@link Locations}. The request
 * keeps its access, so a hop back to the registry is authenticated while one to storage is not;
 * other methods get the redirect as their answer.
 */
final class RedirectTransport implements Transport {
  static final Set<Integer> STATUSES = Set.of(301, 302, 303, 307, 308);
  static final int MAX_HOPS = 5;

  private final Transport next;
  private final Locations locations;

  RedirectTransport(Transport next, Locations locations) {
    this.next = next;
    this.locations = locations;
  }

  @Override
  public <T> HttpResponse<T> send(Request request, HttpResponse.BodyHandler<T> handler)
      throws IOException {
    HttpResponse<T> r = next.send(request, handler);
    if (!request.method().equals("GET")) {
      return r;
    }
    Request hop = request;
    for (int hops = 0; STATUSES.contains(r.statusCode()); hops++) {
      Responses.discard(r);
      if (hops == MAX_HOPS) {
        throw new RefusedLocation(
            request.method()
                + " "
                + Urls.shown(request.registry(), r.uri())
                + ": too many redirects");
      }
      hop =
          hop.withUri(locations.target(request.registry(), request.method(), r.uri(), r.headers()));
      r = next.send(hop, handler);
    }
    return r;
  }
}
