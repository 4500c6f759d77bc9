package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.name.Repository;
import dev.ko.oci.Digest;
import dev.ko.registry.StubRegistry.Request;
import dev.ko.registry.StubRegistry.Response;
import dev.ko.testing.RecordingLog;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where requests may go when a registry sends us elsewhere (upload locations, redirects to blob
 * storage): credentials stay with the registry, signed storage URLs are never printed, and a public
 * registry cannot send us into a loopback or private network.
 */
class RegistryRedirectsTest {
  private static final String SIGNATURE = "X-Amz-Signature=c0ffee5ecret";
  private static final byte[] BLOB = "the blob".getBytes(StandardCharsets.UTF_8);
  private static final Digest DIGEST = Digest.of(BLOB);

  @TempDir Path tmp;

  private final List<StubRegistry> stubs = new ArrayList<>();
  private final RecordingLog log = new RecordingLog();
  private final List<String> debug = log.everything;

  @AfterEach
  void stop() {
    stubs.forEach(StubRegistry::close);
  }

  private StubRegistry stub(StubRegistry.Handler handler) throws Exception {
    StubRegistry s = new StubRegistry(handler);
    stubs.add(s);
    return s;
  }

  /** Storage that serves the blob at any path and records what it was sent. */
  private StubRegistry storage() throws Exception {
    return stub(
        r -> r.method().equals("PUT") ? Response.of(201) : new Response(200, Map.of(), BLOB));
  }

  /**
   * A registry that wants Basic auth and answers {@code other} for everything past the challenge.
   */
  private StubRegistry basicAuthRegistry(StubRegistry.Handler other) throws Exception {
    return stub(
        r -> {
          if (!basic().equals(r.authorization())) {
            return new Response(
                401, Map.of("WWW-Authenticate", "Basic realm=\"stub\""), new byte[0]);
          }
          return r.pathAndQuery().equals("/v2/") ? Response.of(200) : other.handle(r);
        });
  }

  private static String basic() {
    return "Basic "
        + Base64.getEncoder().encodeToString("user:s3cret".getBytes(StandardCharsets.UTF_8));
  }

  private Keychain keychainFor(StubRegistry registry) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(
        dir.resolve("config.json"),
        "{\"auths\":{\""
            + registry.host()
            + "\":{\"auth\":\""
            + Base64.getEncoder().encodeToString("user:s3cret".getBytes(StandardCharsets.UTF_8))
            + "\"}}}");
    return new DockerConfigKeychain(
        new KeychainSources(dir.resolve("config.json"), List.of(), Map.of(), dir));
  }

  // ------------------------------------------------------------ credentials stay with the registry

  @Test
  void anUploadLocationOnAnotherHostGetsNoCredentials() throws Exception {
    StubRegistry storage = storage();
    StubRegistry registry =
        basicAuthRegistry(
            r ->
                new Response(
                    202,
                    Map.of("Location", "http://" + storage.host() + "/upload/u1?" + SIGNATURE),
                    new byte[0]));
    Repository repo = Repository.parse(registry.host() + "/foo/bar");

    RegistryClient.Upload upload =
        RegistryClientTest.client(keychainFor(registry), log, InternalHosts.DNS)
            .pusher(repo, List.of())
            .uploadBlob(
                DIGEST, BLOB.length, () -> new ByteArrayInputStream(BLOB), Optional.empty());

    assertThat(upload).isEqualTo(RegistryClient.Upload.PUSHED);
    assertThat(registry.requests())
        .filteredOn(r -> r.method().equals("POST"))
        .extracting(Request::authorization)
        .containsExactly(basic());
    assertThat(storage.requests()).hasSize(1);
    Request put = storage.requests().get(0);
    assertThat(put.line())
        .isEqualTo("PUT /upload/u1?" + SIGNATURE + "&digest=sha256%3A" + DIGEST.hex());
    assertThat(put.authorization()).as("credentials sent to the storage host").isNull();
    assertThat(put.body()).isEqualTo(BLOB);
    assertThat(debug)
        .as("signed URLs in -v output")
        .noneMatch(line -> line.contains("c0ffee5ecret"))
        .anyMatch(line -> line.equals("--> PUT http://" + storage.host() + "/upload/u1"));
  }

  @Test
  void aBlobRedirectIsFollowedWithoutCredentials() throws Exception {
    StubRegistry storage = storage();
    StubRegistry registry =
        basicAuthRegistry(
            r ->
                new Response(
                    307,
                    Map.of("Location", "http://" + storage.host() + "/bucket/blob?" + SIGNATURE),
                    new byte[0]));
    Repository repo = Repository.parse(registry.host() + "/foo/bar");

    byte[] got =
        RegistryClientTest.client(keychainFor(registry), log, InternalHosts.DNS)
            .getBlob(Access.pull(repo), repo, DIGEST);

    assertThat(got).isEqualTo(BLOB);
    assertThat(registry.requests().get(registry.requests().size() - 1).line())
        .isEqualTo("GET /v2/foo/bar/blobs/" + DIGEST);
    assertThat(registry.requests().get(registry.requests().size() - 1).authorization())
        .isEqualTo(basic());
    assertThat(storage.lines()).containsExactly("GET /bucket/blob?" + SIGNATURE);
    assertThat(storage.requests().get(0).authorization()).isNull();
    assertThat(debug).noneMatch(line -> line.contains("c0ffee5ecret"));
  }

  @Test
  void credentialsGoOnlyToTheRegistrysHostPortAndPingedScheme() {
    URI registryUrl = URI.create("http://reg.example.com:5000/v2/foo/bar/blobs/uploads/u1");
    assertThat(Urls.sameOrigin("http", "reg.example.com:5000", registryUrl)).isTrue();
    assertThat(Urls.sameOrigin("http", "REG.example.com:5000", registryUrl)).isTrue();
    assertThat(
            Urls.sameOrigin(
                "https", "reg.example.com", URI.create("https://reg.example.com:443/v2/")))
        .as("default port")
        .isTrue();
    assertThat(
            Urls.sameOrigin("https", "reg.example.com", URI.create("http://reg.example.com/v2/")))
        .as("downgrade to plain HTTP")
        .isFalse();
    assertThat(
            Urls.sameOrigin(
                "http", "reg.example.com:5000", URI.create("http://reg.example.com:5001/v2/")))
        .as("another port")
        .isFalse();
    assertThat(
            Urls.sameOrigin(
                "https", "reg.example.com", URI.create("https://storage.example.com/b")))
        .as("another host")
        .isFalse();
    assertThat(
            Urls.sameOrigin(
                "https", "reg.example.com", URI.create("https://reg.example.com.evil.io/b")))
        .isFalse();
  }

  // ------------------------------------------------------------ HEAD of a blob in storage

  @Test
  void aRedirectedBlobHeadMeansTheBlobExists() throws Exception {
    StubRegistry storage = storage();
    StubRegistry registry =
        stub(
            r ->
                r.pathAndQuery().equals("/v2/")
                    ? Response.of(200)
                    : r.pathAndQuery().endsWith(DIGEST.toString())
                        ? new Response(
                            307,
                            Map.of(
                                "Location",
                                "http://" + storage.host() + "/bucket/blob?" + SIGNATURE),
                            new byte[0])
                        : Response.of(404));
    Repository repo = Repository.parse(registry.host() + "/foo/bar");
    RegistryClient client = RegistryClientTest.client(Keychain.ANONYMOUS, log, InternalHosts.DNS);

    assertThat(client.blobExists(Access.pull(repo), repo, DIGEST)).isTrue();
    assertThat(client.blobExists(Access.pull(repo), repo, Digest.of(new byte[0]))).isFalse();
    assertThat(storage.requests()).as("the registry's redirect already answers").isEmpty();
  }

  // ------------------------------------------------------------ signed URLs are never printed

  @Test
  void aFailingStorageRequestIsReportedWithoutItsQuery() throws Exception {
    StubRegistry storage =
        stub(
            r -> Response.json(403, "<Error><Code>SignatureDoesNotMatch</Code></Error>", Map.of()));
    StubRegistry registry =
        stub(
            r ->
                r.pathAndQuery().equals("/v2/")
                    ? Response.of(200)
                    : new Response(
                        302,
                        Map.of(
                            "Location",
                            "http://" + storage.host() + "/bucket/blob?" + SIGNATURE + "&sig=abc"),
                        new byte[0]));
    Repository repo = Repository.parse(registry.host() + "/foo/bar");

    assertThatThrownBy(
            () ->
                RegistryClientTest.client(Keychain.ANONYMOUS, log, InternalHosts.DNS)
                    .getBlob(Access.pull(repo), repo, DIGEST))
        .hasMessage(
            "GET http://" + storage.host() + "/bucket/blob: unexpected status code 403 Forbidden");
    assertThat(storage.lines()).containsExactly("GET /bucket/blob?" + SIGNATURE + "&sig=abc");
    assertThat(debug)
        .isNotEmpty()
        .noneMatch(line -> line.contains("c0ffee5ecret") || line.contains("sig=abc"));
  }

  // ------------------------------------------------------------ no way into private networks

  /** Name resolution under which the stubs' 127.0.0.1 is a public address, and all else is real. */
  private static InetAddress[] registryLooksPublic(String host)
      throws java.net.UnknownHostException {
    if (host.equals("127.0.0.1")) {
      return new InetAddress[] {InetAddress.getByName("203.0.113.7")};
    }
    return InetAddress.getAllByName(host);
  }

  @Test
  void aPublicRegistryCannotRedirectIntoTheLoopbackNetwork() throws Exception {
    StubRegistry storage = storage();
    String internal =
        "http://localhost:"
            + storage.host().substring(storage.host().lastIndexOf(':') + 1)
            + "/latest/meta-data?"
            + SIGNATURE;
    StubRegistry registry =
        stub(
            r ->
                r.pathAndQuery().equals("/v2/")
                    ? Response.of(200)
                    : new Response(307, Map.of("Location", internal), new byte[0]));
    Repository repo = Repository.parse(registry.host() + "/foo/bar");

    assertThatThrownBy(
            () ->
                RegistryClientTest.client(
                        Keychain.ANONYMOUS, log, RegistryRedirectsTest::registryLooksPublic)
                    .getBlob(Access.pull(repo), repo, DIGEST))
        .hasMessage(
            "GET http://"
                + registry.host()
                + "/v2/foo/bar/blobs/"
                + DIGEST
                + ": refusing to follow the registry to "
                + "http://localhost:"
                + storage.host().substring(storage.host().lastIndexOf(':') + 1)
                + "/latest/meta-data: a loopback, link-local or private "
                + "address, and "
                + registry.host()
                + " is not on one");
    assertThat(storage.requests()).isEmpty();
  }

  @Test
  void aPublicRegistryCannotPlaceAnUploadInAPrivateNetwork() throws Exception {
    StubRegistry registry =
        stub(
            r ->
                r.pathAndQuery().equals("/v2/")
                    ? Response.of(200)
                    : new Response(
                        202, Map.of("Location", "http://169.254.169.254/upload"), new byte[0]));
    Repository repo = Repository.parse(registry.host() + "/foo/bar");
    InputStream[] opened = new InputStream[1];

    assertThatThrownBy(
            () ->
                RegistryClientTest.client(
                        Keychain.ANONYMOUS, log, RegistryRedirectsTest::registryLooksPublic)
                    .pusher(repo, List.of())
                    .uploadBlob(
                        DIGEST,
                        BLOB.length,
                        () -> opened[0] = new ByteArrayInputStream(BLOB),
                        Optional.empty()))
        .hasMessageContaining("refusing to follow the registry to http://169.254.169.254/upload");
    assertThat(registry.lines())
        .as("not retried: the registry will not change its mind")
        .containsExactly("GET /v2/", "POST /v2/foo/bar/blobs/uploads/");
    assertThat(opened[0]).isNull();
  }

  @Test
  void aRegistryOnTheLoopbackNetworkMayUseItForStorage() throws Exception {
    StubRegistry storage = storage();
    StubRegistry registry =
        stub(
            r ->
                r.pathAndQuery().equals("/v2/")
                    ? Response.of(200)
                    : new Response(
                        307,
                        Map.of(
                            "Location",
                            "http://localhost:"
                                + storage.host().substring(storage.host().lastIndexOf(':') + 1)
                                + "/b"),
                        new byte[0]));
    Repository repo = Repository.parse(registry.host() + "/foo/bar");

    assertThat(
            RegistryClientTest.client(Keychain.ANONYMOUS, log, InternalHosts.DNS)
                .getBlob(Access.pull(repo), repo, DIGEST))
        .isEqualTo(BLOB);
  }

  @Test
  void internalAddressesAreLoopbackLinkLocalPrivateAndUnspecified() {
    InternalHosts hosts = new InternalHosts(InternalHosts.DNS);
    for (String internal :
        List.of(
            "127.0.0.1",
            "127.1.2.3",
            "169.254.169.254",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "0.0.0.0",
            "::1",
            "[::1]",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:10.0.0.1",
            "localhost")) {
      assertThat(hosts.isInternal(internal)).as(internal).isTrue();
    }
    for (String external :
        List.of(
            "203.0.113.7",
            "8.8.8.8",
            "172.32.0.1",
            "192.169.0.1",
            "2001:db8::1",
            "198.51.100.20")) {
      assertThat(hosts.isInternal(external)).as(external).isFalse();
    }
  }
}
