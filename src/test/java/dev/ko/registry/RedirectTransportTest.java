package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.name.Registry;
import dev.ko.registry.StubRegistry.Response;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link RedirectTransport} and {@link Locations}: which redirects are followed, and where to. */
class RedirectTransportTest {
  private StubRegistry stub;

  @AfterEach
  void stop() {
    if (stub != null) {
      stub.close();
    }
  }

  /** Redirects /hop/N to /hop/N+1 until {@code hops}, which answers with a body. */
  private StubRegistry hops(int hops) throws Exception {
    return new StubRegistry(
        r -> {
          int n = Integer.parseInt(r.pathAndQuery().substring("/hop/".length()));
          return n == hops
              ? new Response(200, Map.of(), "at the end".getBytes(StandardCharsets.UTF_8))
              : new Response(302, Map.of("Location", "/hop/" + (n + 1)), new byte[0]);
        });
  }

  private RedirectTransport redirects(InternalHosts.Resolver resolver) {
    return new RedirectTransport(Wire.plain(), new Locations(new InternalHosts(resolver)));
  }

  private Request request(String method, String path) {
    return Request.of(
        Registry.parse(stub.host()), method, URI.create("http://" + stub.host() + path));
  }

  @Test
  void aGetFollowsFiveHopsAndNoMore() throws Exception {
    stub = hops(5);
    HttpResponse<byte[]> r =
        redirects(InternalHosts.DNS).send(request("GET", "/hop/0"), BodyHandlers.ofByteArray());
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("at the end");
    assertThat(r.uri().getPath()).isEqualTo("/hop/5");
    stub.close();

    stub = hops(6);
    assertThatThrownBy(
            () ->
                redirects(InternalHosts.DNS)
                    .send(request("GET", "/hop/0"), BodyHandlers.ofInputStream()))
        .isInstanceOf(RefusedLocation.class)
        .hasMessage("GET http://" + stub.host() + "/hop/5: too many redirects");
    assertThat(stub.lines()).hasSize(6);
  }

  @Test
  void otherMethodsGetTheRedirectAsTheirAnswer() throws Exception {
    stub = hops(5);
    for (String method : List.of("HEAD", "POST")) {
      assertThat(
              redirects(InternalHosts.DNS)
                  .send(request(method, "/hop/0"), BodyHandlers.ofByteArray())
                  .statusCode())
          .isEqualTo(302);
    }
    assertThat(stub.lines()).containsExactly("HEAD /hop/0", "POST /hop/0");
  }

  private static HttpHeaders location(String value) {
    return HttpHeaders.of(
        value == null ? Map.of() : Map.of("Location", List.of(value)), (a, b) -> true);
  }

  /** 127.0.0.1 and registry.example.com look public; everything else resolves as it is. */
  private static InetAddress[] looksPublic(String host) throws UnknownHostException {
    if (host.equals("127.0.0.1") || host.equals("registry.example.com")) {
      return new InetAddress[] {InetAddress.getByName("203.0.113.7")};
    }
    return InetAddress.getAllByName(host);
  }

  @Test
  void locationsMustBeHttpUrlsAndStayOutOfPrivateNetworksUnlessTheRegistryIsInOne()
      throws Exception {
    Locations locations = new Locations(new InternalHosts(RedirectTransportTest::looksPublic));
    Registry registry = Registry.parse("registry.example.com");
    URI upload = URI.create("https://registry.example.com/v2/foo/blobs/uploads/");

    assertThat(locations.target(registry, "POST", upload, location("u1?_state=x")))
        .hasToString("https://registry.example.com/v2/foo/blobs/uploads/u1?_state=x");
    assertThat(locations.target(registry, "POST", upload, location("https://s3.example/b?sig=1")))
        .hasToString("https://s3.example/b?sig=1");
    assertThatThrownBy(() -> locations.target(registry, "POST", upload, location(null)))
        .hasMessage("POST " + upload + ": the registry sent no Location");
    assertThatThrownBy(
            () -> locations.target(registry, "POST", upload, location("file:///etc/passwd")))
        .isInstanceOf(RefusedLocation.class)
        .hasMessageEndingWith("a Location that is not an HTTP URL: file:///etc/passwd");
    assertThatThrownBy(
            () -> locations.target(registry, "POST", upload, location("http://10.0.0.7/x?sig=1")))
        .hasMessage(
            "POST "
                + upload
                + ": refusing to follow the registry to http://10.0.0.7/x: a loopback,"
                + " link-local or private address, and registry.example.com is not on one");

    Registry internal = Registry.parse("10.1.2.3:5000");
    assertThat(
            locations.target(
                internal,
                "POST",
                URI.create("http://10.1.2.3:5000/v2/foo/blobs/uploads/"),
                location("http://10.0.0.7/x")))
        .hasToString("http://10.0.0.7/x");
  }
}
