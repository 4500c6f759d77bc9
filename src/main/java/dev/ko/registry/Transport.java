package dev.ko.registry;

import java.io.IOException;
import java.net.http.HttpResponse;

/**
 * One exchange with a registry, or with a host it sends us to: a request in, its response out,
 * whatever the status. The registry transport is a stack of these, each adding one concern and
 * passing the request on (bottom to top: {@link JdkTransport}, {@link LoggingTransport}, {@link
 * AuthTransport}, {@link RetryTransport}, {@link PingTransport}, {@link RedirectTransport}); {@link
 * RegistryClient} on top turns statuses into results or errors.
 */
interface Transport {
  /**
   * Sends the request and returns the response, or fails with an {@link IOException} whose message
   * names the request (its URL as {@link Urls#shown} allows).
   */
  <T> HttpResponse<T> send(Request request, HttpResponse.BodyHandler<T> handler) throws IOException;
}
