package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.ko.log.Log;
import dev.ko.name.Repository;
import dev.ko.oci.MediaType;
import dev.ko.testing.ServerCertificate;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --insecure-registry} skips TLS verification the way Go's InsecureSkipVerify does, host
 * name included, for the registries named insecure and only for those.
 */
class InsecureRegistryTest {
  private static final String MANIFEST =
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{}}";

  @TempDir static Path keys;
  static SSLContext serverTls;
  static Path certPem;

  private HttpsServer server;

  /** A certificate for registry.invalid, served on 127.0.0.1: its name never matches. */
  @BeforeAll
  static void certificate() throws Exception {
    ServerCertificate cert =
        ServerCertificate.create(keys, "registry.invalid", "dns:registry.invalid");
    serverTls = cert.serverTls();
    certPem = cert.pem();
  }

  @BeforeEach
  void start() throws Exception {
    server =
        HttpsServer.create(
            new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(serverTls));
    server.createContext(
        "/",
        ex -> {
          byte[] body =
              ex.getRequestURI().getPath().equals("/v2/")
                  ? new byte[0]
                  : MANIFEST.getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", MediaType.OCI_MANIFEST.value());
          ex.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
          if (body.length > 0) {
            ex.getResponseBody().write(body);
          }
          ex.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  /**
   * A client that trusts the stub's certificate, so only its name is wrong, and trusts anything for
   * insecure registries.
   */
  private static RegistryClient client() {
    HttpTransport transport =
        new HttpTransport(
            Wire.engine(),
            () -> TrustStores.verified(new TrustRoots(Optional.of(certPem), Optional.empty())),
            TrustStores::unverified);
    return new RegistryClient(
        transport,
        Keychain.ANONYMOUS,
        Log.NONE,
        RegistryClient.Options.of(
            "ko-test",
            new NetworkSettings(
                Duration.ofSeconds(1), Duration.ofMillis(1), Duration.ofSeconds(30))),
        new RegistryClient.Internals(Clock.systemUTC(), Duration.ofSeconds(10), InternalHosts.DNS));
  }

  private String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  @Test
  void anInsecureRegistryIsReachedOverTlsWhateverNameItsCertificateHas() throws Exception {
    Repository repo = Repository.parse(host() + "/foo/bar", true);
    RegistryClient.Fetched fetched = client().getManifest(Access.pull(repo), repo, "latest");
    assertThat(new String(fetched.bytes(), StandardCharsets.UTF_8)).isEqualTo(MANIFEST);
  }

  @Test
  void aRegistryNotNamedInsecureIsVerifiedHostNameIncluded() {
    Repository repo = Repository.parse(host() + "/foo/bar", false);
    assertThatThrownBy(() -> client().getManifest(Access.pull(repo), repo, "latest"))
        .hasMessageContaining("GET https://" + host() + "/v2/: TLS certificate not trusted")
        .hasMessageContaining("127.0.0.1");
  }
}
