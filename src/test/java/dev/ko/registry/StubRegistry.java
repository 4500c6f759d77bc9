package dev.ko.registry;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * An in-process HTTP server for registry protocol edge cases: every request is recorded and
 * answered by the test's {@link Handler}. Listens on 127.0.0.1, so our client talks plain HTTP.
 */
final class StubRegistry implements AutoCloseable {
  /** A request as the stub saw it. */
  @SuppressWarnings("ArrayRecordComponent") // the stub's own copy; requests are never compared
  record Request(
      String method, String pathAndQuery, String authorization, byte[] body, Headers headers) {
    String line() {
      return method + " " + pathAndQuery;
    }
  }

  /** A canned answer. */
  @SuppressWarnings("ArrayRecordComponent") // written once to the exchange; never compared
  record Response(int status, Map<String, String> headers, byte[] body) {
    static Response of(int status) {
      return new Response(status, Map.of(), new byte[0]);
    }

    static Response json(int status, String body, Map<String, String> headers) {
      return new Response(status, headers, body.getBytes(StandardCharsets.UTF_8));
    }
  }

  @FunctionalInterface
  interface Handler {
    Response handle(Request request);
  }

  private final HttpServer server;
  private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());

  StubRegistry(Handler handler) throws IOException {
    server =
        HttpServer.create(
            new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
    server.createContext("/", exchange -> answer(exchange, handler));
    server.start();
  }

  private void answer(HttpExchange exchange, Handler handler) throws IOException {
    try (exchange) {
      String query = exchange.getRequestURI().getRawQuery();
      Request request =
          new Request(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getRawPath() + (query == null ? "" : "?" + query),
              exchange.getRequestHeaders().getFirst("Authorization"),
              exchange.getRequestBody().readAllBytes(),
              exchange.getRequestHeaders());
      requests.add(request);
      Response response;
      try {
        response = handler.handle(request);
      } catch (RuntimeException e) {
        response = Response.json(599, "stub failed: " + e, Map.of());
      }
      response.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
      boolean noBody = request.method().equals("HEAD") || response.body().length == 0;
      exchange.sendResponseHeaders(response.status(), noBody ? -1 : response.body().length);
      if (!noBody) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(response.body());
        }
      }
    }
  }

  /** host:port, as a registry name. */
  String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  List<Request> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  List<String> lines() {
    return requests().stream().map(Request::line).toList();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
