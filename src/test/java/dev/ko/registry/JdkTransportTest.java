package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.name.Registry;
import dev.ko.registry.StubRegistry.Response;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link JdkTransport}: one exchange, any status returned, failures named without secrets. */
class JdkTransportTest {
  private StubRegistry stub;

  @AfterEach
  void stop() {
    if (stub != null) {
      stub.close();
    }
  }

  @Test
  void sendsTheRequestAsDescribedAndReturnsWhateverStatusCame() throws Exception {
    stub = new StubRegistry(r -> Response.json(404, "{}", Map.of()));
    Registry registry = Registry.parse(stub.host());
    Request put =
        Request.of(registry, "PUT", URI.create("http://" + stub.host() + "/v2/x/manifests/t"))
            .withHeader("Content-Type", "application/json")
            .withBody("{\"a\":1}".getBytes(StandardCharsets.UTF_8));

    HttpResponse<byte[]> r = Wire.plain().send(put, BodyHandlers.ofByteArray());

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.version()).as("plain HTTP is HTTP/1.1").hasToString("HTTP_1_1");
    StubRegistry.Request seen = stub.requests().get(0);
    assertThat(seen.line()).isEqualTo("PUT /v2/x/manifests/t");
    assertThat(seen.headers().getFirst("User-Agent")).isEqualTo("ko-test");
    assertThat(seen.headers().getFirst("Content-Type")).isEqualTo("application/json");
    assertThat(new String(seen.body(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
  }

  @Test
  void aFailureNamesTheRequestAndAnotherHostsUrlLosesItsQuery() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String storage = "http://user:pw@127.0.0.1:" + closed + "/bucket/blob?X-Amz-Signature=s3cret";

    assertThatThrownBy(
            () ->
                Wire.plain()
                    .send(
                        Wire.get(Registry.parse("registry.example.com"), storage),
                        BodyHandlers.ofByteArray()))
        .hasMessage("GET http://127.0.0.1:" + closed + "/bucket/blob: connection refused");

    Registry own = Registry.parse("127.0.0.1:" + closed);
    assertThatThrownBy(
            () ->
                Wire.plain()
                    .send(
                        Wire.get(own, "http://127.0.0.1:" + closed + "/v2/?n=1"),
                        BodyHandlers.ofByteArray()))
        .as("the registry's own URL is shown whole")
        .hasMessage("GET http://127.0.0.1:" + closed + "/v2/?n=1: connection refused");
  }
}
