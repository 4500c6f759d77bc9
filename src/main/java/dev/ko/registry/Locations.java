package dev.ko.registry;

import dev.ko.name.Registry;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpHeaders;
import java.util.Locale;

/**
 * Where a registry's {@code Location} header (an upload session, a redirect to storage) may send
 * us: HTTP or HTTPS only, and not into a loopback, link-local or private network unless the
 * registry is itself in one (server-side request forgery).
 */
final class Locations {
  private final InternalHosts internalHosts;

  Locations(InternalHosts internalHosts) {
    this.internalHosts = internalHosts;
  }

  /**
   * The target of the {@code Location} in {@code headers}, resolved against the URL of the request
   * that got it, checked.
   *
   * @throws RefusedLocation when there is none, or it is not a URL we go to
   */
  URI target(Registry registry, String method, URI request, HttpHeaders headers)
      throws RefusedLocation {
    String what = method + " " + Urls.shown(registry, request);
    String value =
        headers
            .firstValue("Location")
            .orElseThrow(() -> new RefusedLocation(what + ": the registry sent no Location"));
    URI target;
    try {
      target = request.resolve(new URI(value));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new RefusedLocation(what + ": the registry sent a Location that is not a URL");
    }
    String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
    if ((!scheme.equals("http") && !scheme.equals("https")) || Urls.host(target).isEmpty()) {
      throw new RefusedLocation(
          what
              + ": the registry sent a Location that is not an HTTP URL: "
              + Urls.stripQuery(target));
    }
    boolean sameHost =
        Urls.host(target).equalsIgnoreCase(Urls.host(request))
            && Urls.port(target) == Urls.port(request);
    if (!sameHost
        && internalHosts.isInternal(Urls.host(target))
        && !internalHosts.isInternal(Urls.host(URI.create("http://" + registry.host())))) {
      throw new RefusedLocation(
          what
              + ": refusing to follow the registry to "
              + Urls.stripQuery(target)
              + ": a loopback, link-local or private address, and "
              + registry
              + " is not on one");
    }
    return target;
  }
}
