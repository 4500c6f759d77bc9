package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.name.Registry;
import dev.ko.registry.StubRegistry.Response;
import dev.ko.testing.RecordingLog;
import java.net.ServerSocket;
import java.net.http.HttpResponse.BodyHandlers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link LoggingTransport}: a line before and after each exchange, storage URLs redacted. */
class LoggingTransportTest {
  private final RecordingLog log = new RecordingLog();
  private StubRegistry stub;

  @AfterEach
  void stop() {
    if (stub != null) {
      stub.close();
    }
  }

  @Test
  void theRegistrysOwnUrlsAreShownWholeOthersWithoutUserInfoAndQuery() throws Exception {
    stub = new StubRegistry(r -> Response.of(202));
    Transport logged = Wire.logged(log);

    logged.send(
        Wire.get(Registry.parse(stub.host()), "http://" + stub.host() + "/v2/x/blobs/uploads/?a=1"),
        BodyHandlers.ofByteArray());
    logged.send(
        Wire.get(
            Registry.parse("registry.example.com"),
            "http://user:pw@" + stub.host() + "/bucket/b?X-Amz-Signature=s3cret"),
        BodyHandlers.ofByteArray());

    assertThat(log.everything)
        .containsExactly(
            "--> GET http://" + stub.host() + "/v2/x/blobs/uploads/?a=1",
            "<-- 202 GET http://" + stub.host() + "/v2/x/blobs/uploads/?a=1",
            "--> GET http://" + stub.host() + "/bucket/b",
            "<-- 202 GET http://" + stub.host() + "/bucket/b");
    assertThat(log.lines).as("debug lines only").isEmpty();
  }

  @Test
  void aFailedExchangeLogsItsStartAndPassesTheFailureOn() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Registry registry = Registry.parse("127.0.0.1:" + closed);

    assertThatThrownBy(
            () ->
                Wire.logged(log)
                    .send(
                        Wire.get(registry, "http://127.0.0.1:" + closed + "/v2/"),
                        BodyHandlers.ofByteArray()))
        .hasMessageEndingWith("connection refused");
    assertThat(log.everything).containsExactly("--> GET http://127.0.0.1:" + closed + "/v2/");
  }
}
