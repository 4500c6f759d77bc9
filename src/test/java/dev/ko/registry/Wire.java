package dev.ko.registry;

import dev.ko.log.Log;
import dev.ko.name.Registry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The bottom of the transport stack for tests of one decorator, and a recorder to put above. */
final class Wire {
  private Wire() {}

  static HttpTransport clients() {
    return new HttpTransport(
        Wire.engine(), RegistryClientTest::defaultTls, RegistryClientTest::defaultTls);
  }

  /**
   * The client the registry tests run on: {@code -Dko.test.engine}, by default the one a fresh
   * process uses (the build also runs this package's tests on the other).
   */
  static HttpTransport.Engine engine() {
    return HttpTransport.Engine.valueOf(System.getProperty("ko.test.engine", "URL_CONNECTION"));
  }

  /** The exchange alone, on {@link #engine}. */
  static Transport plain() {
    HttpTransport clients = clients();
    Duration silence = Duration.ofSeconds(30);
    return engine() == HttpTransport.Engine.URL_CONNECTION
        ? new UrlConnectionTransport(clients, "ko-test", silence)
        : new JdkTransport(clients, "ko-test", silence);
  }

  /** The JDK exchange with its debug lines. */
  static Transport logged(Log log) {
    return new LoggingTransport(plain(), log);
  }

  static Request get(Registry registry, String url) {
    return Request.of(registry, "GET", URI.create(url));
  }

  /** Passes requests on, keeping each as the next transport got it. */
  static final class Recording implements Transport {
    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Transport next;

    Recording(Transport next) {
      this.next = next;
    }

    @Override
    public <T> HttpResponse<T> send(Request request, HttpResponse.BodyHandler<T> handler)
        throws IOException {
      requests.add(request);
      return next.send(request, handler);
    }
  }
}
