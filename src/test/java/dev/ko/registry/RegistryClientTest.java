package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.ko.log.Log;
import dev.ko.name.Repository;
import dev.ko.name.Tag;
import dev.ko.oci.Artifact;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.MediaType;
import dev.ko.registry.StubRegistry.Request;
import dev.ko.registry.StubRegistry.Response;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RegistryClient} against an in-process stub, for the protocol's edge cases. */
class RegistryClientTest {
  private static final String MANIFEST =
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{}}";
  private static final Map<String, String> MANIFEST_HEADERS =
      Map.of("Content-Type", MediaType.OCI_MANIFEST.value());
  private static final String UNAUTHORIZED_BODY =
      "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}";

  @TempDir Path tmp;

  private StubRegistry stub;

  @AfterEach
  void stop() {
    if (stub != null) {
      stub.close();
    }
  }

  static RegistryClient client(Keychain keychain) {
    return client(keychain, Log.NONE, InternalHosts.DNS);
  }

  static RegistryClient client(Keychain keychain, Log log, InternalHosts.Resolver resolver) {
    HttpTransport transport =
        new HttpTransport(
            Wire.engine(), RegistryClientTest::defaultTls, RegistryClientTest::defaultTls);
    return new RegistryClient(
        transport,
        keychain,
        log,
        RegistryClient.Options.of(
            "ko-test",
            new NetworkSettings(
                Duration.ofSeconds(1), Duration.ofMillis(1), Duration.ofSeconds(30))),
        new RegistryClient.Internals(
            java.time.Clock.systemUTC(), Duration.ofMillis(300), resolver));
  }

  static SSLContext defaultTls() {
    try {
      return SSLContext.getDefault();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Repository repo(String path) {
    return Repository.parse(stub.host() + "/" + path);
  }

  private String bearerChallenge(String scope) {
    return "Bearer realm=\"http://"
        + stub.host()
        + "/token\",service=\"stub registry\""
        + (scope == null ? "" : ",scope=\"" + scope + "\"");
  }

  // ------------------------------------------------------------ Bearer

  @Test
  void bearerTokenIsFetchedWithServiceAndScopeAndReusedForTheSameAccess() throws Exception {
    AtomicInteger tokens = new AtomicInteger();
    stub =
        new StubRegistry(
            r -> {
              if (r.pathAndQuery().equals("/v2/")) {
                return Response.json(401, "", Map.of("WWW-Authenticate", bearerChallenge(null)));
              }
              if (r.pathAndQuery().startsWith("/token?")) {
                return Response.json(
                    200,
                    "{\"token\":\"T" + tokens.incrementAndGet() + "\",\"expires_in\":300}",
                    Map.of());
              }
              if (!String.valueOf(r.authorization()).startsWith("Bearer T")) {
                return Response.json(
                    401, UNAUTHORIZED_BODY, Map.of("WWW-Authenticate", bearerChallenge(null)));
              }
              return Response.json(200, MANIFEST, MANIFEST_HEADERS);
            });
    RegistryClient client = client(Keychain.ANONYMOUS);
    Repository foo = repo("foo/bar");

    RegistryClient.Fetched first = client.getManifest(Access.pull(foo), foo, "latest");
    client.getManifest(Access.pull(foo), foo, "v2");
    Repository other = repo("other/repo");
    client.getManifest(Access.pull(other), other, "latest");

    assertThat(first.mediaType()).isEqualTo(MediaType.OCI_MANIFEST);
    assertThat(first.digest()).isEqualTo(Digest.of(MANIFEST.getBytes(StandardCharsets.UTF_8)));
    assertThat(stub.lines())
        .containsExactly(
            "GET /v2/",
            "GET /token?service=stub+registry&scope=repository%3Afoo%2Fbar%3Apull",
            "GET /v2/foo/bar/manifests/latest",
            "GET /v2/foo/bar/manifests/v2",
            "GET /token?service=stub+registry&scope=repository%3Aother%2Frepo%3Apull",
            "GET /v2/other/repo/manifests/latest");
    List<Request> requests = stub.requests();
    assertThat(requests.get(2).authorization()).isEqualTo("Bearer T1");
    assertThat(requests.get(3).authorization()).isEqualTo("Bearer T1");
    assertThat(requests.get(5).authorization()).isEqualTo("Bearer T2");
  }

  @Test
  void pushersForTheSameTargetAndSourcesShareOneTokenForPushAndPull() throws Exception {
    AtomicInteger tokens = new AtomicInteger();
    stub =
        new StubRegistry(
            r -> {
              if (r.pathAndQuery().equals("/v2/")) {
                return Response.json(401, "", Map.of("WWW-Authenticate", bearerChallenge(null)));
              }
              if (r.pathAndQuery().startsWith("/token?")) {
                return Response.json(
                    200, "{\"token\":\"T" + tokens.incrementAndGet() + "\"}", Map.of());
              }
              return Response.of(404);
            });
    RegistryClient client = client(Keychain.ANONYMOUS);
    Repository target = repo("team/app");
    List<Repository> sources = List.of(repo("base/img"), repo("team/app"));
    Digest digest = Digest.of(new byte[0]);

    assertThat(client.pusher(target, sources).blobExists(digest)).isFalse();
    assertThat(client.pusher(target, sources).headManifest("latest")).isEmpty();
    assertThat(client.pusher(target, List.of()).blobExists(digest)).isFalse();

    assertThat(stub.lines())
        .filteredOn(l -> l.startsWith("GET /token"))
        .containsExactly(
            "GET /token?service=stub+registry&scope=repository%3Abase%2Fimg%3Apull"
                + "&scope=repository%3Ateam%2Fapp%3Apull%2Cpush",
            "GET /token?service=stub+registry&scope=repository%3Ateam%2Fapp%3Apull%2Cpush");
    assertThat(stub.requests())
        .filteredOn(r -> r.pathAndQuery().startsWith("/v2/team/"))
        .extracting(Request::authorization)
        .containsExactly("Bearer T1", "Bearer T1", "Bearer T2");
  }

  @Test
  void aRefusedTokenIsReplacedFromTheNewChallengeAndTheRequestRetried() throws Exception {
    AtomicInteger tokens = new AtomicInteger();
    String pushScope = "repository:foo/bar:pull,push";
    stub =
        new StubRegistry(
            r -> {
              if (r.pathAndQuery().equals("/v2/")) {
                return Response.json(401, "", Map.of("WWW-Authenticate", bearerChallenge(null)));
              }
              if (r.pathAndQuery().startsWith("/token?")) {
                return Response.json(
                    200, "{\"access_token\":\"T" + tokens.incrementAndGet() + "\"}", Map.of());
              }
              if (!"Bearer T2".equals(r.authorization())) {
                return Response.json(
                    401, UNAUTHORIZED_BODY, Map.of("WWW-Authenticate", bearerChallenge(pushScope)));
              }
              return Response.of(201);
            });
    RegistryClient client = client(Keychain.ANONYMOUS);
    Repository foo = repo("foo/bar");

    client.putManifest(
        Access.pull(foo),
        foo,
        "latest",
        MediaType.OCI_MANIFEST,
        MANIFEST.getBytes(StandardCharsets.UTF_8));

    assertThat(stub.lines())
        .containsExactly(
            "GET /v2/",
            "GET /token?service=stub+registry&scope=repository%3Afoo%2Fbar%3Apull",
            "PUT /v2/foo/bar/manifests/latest",
            // the challenge's scope is added to ours
            "GET /token?service=stub+registry&scope=repository%3Afoo%2Fbar%3Apull"
                + "&scope=repository%3Afoo%2Fbar%3Apull%2Cpush",
            "PUT /v2/foo/bar/manifests/latest");
    assertThat(stub.requests().get(4).authorization()).isEqualTo("Bearer T2");
    assertThat(new String(stub.requests().get(4).body(), StandardCharsets.UTF_8))
        .isEqualTo(MANIFEST);
  }

  // ------------------------------------------------------------ Basic and failures

  @Test
  void basicChallengeUsesCredentialsFromDockerConfig() throws Exception {
    stub =
        new StubRegistry(
            r -> {
              if (r.pathAndQuery().equals("/v2/")) {
                return Response.json(401, "", Map.of("WWW-Authenticate", "Basic realm=\"stub\""));
              }
              if (!basic("user", "s3cret").equals(r.authorization())) {
                return Response.json(
                    401, UNAUTHORIZED_BODY, Map.of("WWW-Authenticate", "Basic realm=\"stub\""));
              }
              return Response.json(200, MANIFEST, MANIFEST_HEADERS);
            });
    Keychain keychain = dockerConfig(Map.of(stub.host(), "user:s3cret"));
    Repository foo = repo("foo/bar");

    client(keychain).getManifest(Access.pull(foo), foo, "latest");

    assertThat(stub.lines()).containsExactly("GET /v2/", "GET /v2/foo/bar/manifests/latest");
    assertThat(stub.requests().get(1).authorization()).isEqualTo(basic("user", "s3cret"));
  }

  @Test
  void refusedCredentialsGiveUnauthorizedWithoutTheSecret() throws Exception {
    stub =
        new StubRegistry(
            r ->
                Response.json(
                    401,
                    r.pathAndQuery().equals("/v2/") ? "" : UNAUTHORIZED_BODY,
                    Map.of("WWW-Authenticate", "Basic realm=\"stub\"")));
    Keychain keychain = dockerConfig(Map.of(stub.host(), "user:s3cret"));
    Repository foo = repo("foo/bar");

    assertThatThrownBy(() -> client(keychain).getManifest(Access.pull(foo), foo, "latest"))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.status()).isEqualTo(401);
              assertThat(e.errors())
                  .extracting(RegistryException.Entry::code)
                  .containsExactly("UNAUTHORIZED");
              assertThat(e.getMessage())
                  .isEqualTo(
                      "GET http://"
                          + stub.host()
                          + "/v2/foo/bar/manifests/latest: UNAUTHORIZED: "
                          + "authentication required; the credentials for "
                          + stub.host()
                          + " were refused")
                  .doesNotContain("s3cret")
                  .doesNotContain(basic("user", "s3cret").substring(6));
            });
    // one retry after re-authenticating, then it gives up
    assertThat(stub.lines())
        .containsExactly(
            "GET /v2/", "GET /v2/foo/bar/manifests/latest", "GET /v2/foo/bar/manifests/latest");
  }

  @Test
  void withoutCredentialsTheErrorSaysHowToLogIn() throws Exception {
    stub =
        new StubRegistry(
            r -> Response.json(401, "", Map.of("WWW-Authenticate", "Basic realm=\"stub\"")));
    Repository foo = repo("foo/bar");

    assertThatThrownBy(
            () -> client(Keychain.ANONYMOUS).getManifest(Access.pull(foo), foo, "latest"))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e ->
                assertThat(e.errors())
                    .extracting(RegistryException.Entry::code)
                    .containsExactly("UNAUTHORIZED"))
        .hasMessageEndingWith(
            "authentication required; no credentials found for "
                + stub.host()
                + " (log in with: ko login "
                + stub.host()
                + ")");
  }

  @Test
  void serverErrorsAreRetried() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    stub =
        new StubRegistry(
            r -> {
              if (r.pathAndQuery().equals("/v2/")) {
                return Response.of(200);
              }
              return calls.incrementAndGet() == 1
                  ? Response.of(503)
                  : Response.json(200, MANIFEST, MANIFEST_HEADERS);
            });
    Repository foo = repo("foo/bar");

    client(Keychain.ANONYMOUS).getManifest(Access.pull(foo), foo, "latest");
    assertThat(stub.lines())
        .containsExactly(
            "GET /v2/", "GET /v2/foo/bar/manifests/latest", "GET /v2/foo/bar/manifests/latest");
    assertThat(stub.requests().get(1).authorization()).isNull();
  }

  @Test
  void persistentServerErrorsFailWhenTheBudgetIsSpent() throws Exception {
    stub =
        new StubRegistry(
            r ->
                r.pathAndQuery().equals("/v2/")
                    ? Response.of(200)
                    : Response.json(
                        500,
                        "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"boom\"}]}",
                        Map.of()));
    Repository foo = repo("foo/bar");

    assertThatThrownBy(
            () -> client(Keychain.ANONYMOUS).getManifest(Access.pull(foo), foo, "latest"))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.status()).isEqualTo(500);
              assertThat(e.isTemporary()).as("its retries are spent").isFalse();
            })
        .hasMessageMatching(
            "GET http://"
                + stub.host().replace(".", "\\.")
                + "/v2/foo/bar/manifests/latest failed after \\d+ attempts in 1\\.\\ds:"
                + " UNKNOWN: boom");
    assertThat(stub.lines().size()).as("1 s of tries, 1 ms first wait").isGreaterThan(4);
  }

  @Test
  void aClientErrorIsNotRetried() throws Exception {
    stub =
        new StubRegistry(
            r -> r.pathAndQuery().equals("/v2/") ? Response.of(200) : Response.of(404));
    Repository foo = repo("foo/bar");

    assertThatThrownBy(() -> client(Keychain.ANONYMOUS).getManifest(Access.pull(foo), foo, "nope"))
        .hasMessage(
            "GET http://"
                + stub.host()
                + "/v2/foo/bar/manifests/nope: unexpected status code 404 Not Found");
    assertThat(stub.lines()).hasSize(2);
  }

  // ------------------------------------------------------------ mounts and uploads

  @Test
  void mountAnswered201IsDoneAnd202OpensAnUploadThatIsFinished() throws Exception {
    byte[] blob = "layer".getBytes(StandardCharsets.UTF_8);
    Digest digest = Digest.of(blob);
    AtomicInteger posts = new AtomicInteger();
    stub =
        new StubRegistry(
            r -> {
              if (r.pathAndQuery().equals("/v2/")) {
                return Response.of(200);
              }
              if (r.method().equals("POST")) {
                return posts.incrementAndGet() == 1
                    ? Response.of(201)
                    : new Response(
                        202,
                        Map.of("Location", "/v2/foo/bar/blobs/uploads/u1?_state=abc"),
                        new byte[0]);
              }
              return Response.of(201);
            });
    RegistryClient client = client(Keychain.ANONYMOUS);
    Repository target = repo("foo/bar");
    Repository source = repo("base/img");
    Pusher pusher = client.pusher(target, List.of(source));

    assertThat(
            pusher.uploadBlob(
                digest, blob.length, () -> new ByteArrayInputStream(blob), Optional.of(source)))
        .isEqualTo(RegistryClient.Upload.MOUNTED);
    assertThat(
            pusher.uploadBlob(
                digest, blob.length, () -> new ByteArrayInputStream(blob), Optional.of(source)))
        .isEqualTo(RegistryClient.Upload.PUSHED);

    String mount = "POST /v2/foo/bar/blobs/uploads/?mount=" + digest + "&from=base%2Fimg";
    assertThat(stub.lines())
        .containsExactly(
            "GET /v2/",
            mount,
            mount,
            "PUT /v2/foo/bar/blobs/uploads/u1?_state=abc&digest=sha256%3A" + digest.hex());
    assertThat(stub.requests().get(3).body()).isEqualTo(blob);
  }

  @Test
  void uploadLocationsRelativeOrAbsoluteKeepTheirQuery() throws Exception {
    byte[] blob = "blob content".getBytes(StandardCharsets.UTF_8);
    Digest digest = Digest.of(blob);
    AtomicInteger posts = new AtomicInteger();
    stub =
        new StubRegistry(
            r -> {
              if (r.pathAndQuery().equals("/v2/")) {
                return Response.of(200);
              }
              if (r.method().equals("POST")) {
                String location =
                    posts.incrementAndGet() == 1
                        ? "/v2/foo/bar/blobs/uploads/u1?_state=a%2Bb"
                        : "http://" + stub.host() + "/elsewhere/u2";
                return new Response(202, Map.of("Location", location), new byte[0]);
              }
              return Response.of(201);
            });
    RegistryClient client = client(Keychain.ANONYMOUS);
    Repository target = repo("foo/bar");
    Pusher pusher = client.pusher(target, List.of());

    for (int i = 0; i < 2; i++) {
      assertThat(
              pusher.uploadBlob(
                  digest, blob.length, () -> new ByteArrayInputStream(blob), Optional.empty()))
          .isEqualTo(RegistryClient.Upload.PUSHED);
    }

    String encoded = "digest=sha256%3A" + digest.hex();
    assertThat(stub.lines())
        .containsExactly(
            "GET /v2/",
            "POST /v2/foo/bar/blobs/uploads/",
            "PUT /v2/foo/bar/blobs/uploads/u1?_state=a%2Bb&" + encoded,
            "POST /v2/foo/bar/blobs/uploads/",
            "PUT /elsewhere/u2?" + encoded);
    assertThat(stub.requests().get(2).body()).isEqualTo(blob);
    assertThat(stub.requests().get(4).body()).isEqualTo(blob);
  }

  // ------------------------------------------------------------ credentials per repository

  @Test
  void aRepositorysOwnCredentialsComeBeforeItsRegistrys() throws Exception {
    stub =
        new StubRegistry(
            r -> {
              if (r.pathAndQuery().equals("/v2/")) {
                return Response.json(401, "", Map.of("WWW-Authenticate", "Basic realm=\"stub\""));
              }
              boolean robot =
                  basic("robot", "r0b0t").equals(r.authorization())
                      && r.pathAndQuery().startsWith("/v2/foo/bar/");
              boolean team = basic("team", "t3am").equals(r.authorization());
              return robot || team
                  ? Response.json(200, MANIFEST, MANIFEST_HEADERS)
                  : Response.json(
                      401, UNAUTHORIZED_BODY, Map.of("WWW-Authenticate", "Basic realm=\"stub\""));
            });
    Keychain keychain =
        dockerConfig(Map.of(stub.host() + "/foo/bar", "robot:r0b0t", stub.host(), "team:t3am"));
    RegistryClient client = client(keychain);
    Repository foo = repo("foo/bar");
    Repository other = repo("other/repo");

    client.getManifest(Access.pull(foo), foo, "latest");
    client.getManifest(Access.pull(other), other, "latest");
    client.getManifest(Access.pull(foo), foo, "v2");

    assertThat(stub.requests())
        .extracting(Request::line, Request::authorization)
        .containsExactly(
            tuple("GET /v2/", null),
            tuple("GET /v2/foo/bar/manifests/latest", basic("robot", "r0b0t")),
            tuple("GET /v2/other/repo/manifests/latest", basic("team", "t3am")),
            tuple("GET /v2/foo/bar/manifests/v2", basic("robot", "r0b0t")));
  }

  // ------------------------------------------------------------ manifests

  @Test
  void headManifestIgnoresADigestThatIsNotSha256AndContentTypeParameters() throws Exception {
    String sha512 = "sha512:" + "ab".repeat(64);
    Digest digest = Digest.of(MANIFEST.getBytes(StandardCharsets.UTF_8));
    stub =
        new StubRegistry(
            r ->
                switch (r.pathAndQuery()) {
                  case "/v2/" -> Response.of(200);
                  case "/v2/foo/bar/manifests/sha512" ->
                      new Response(
                          200,
                          Map.of(
                              "Docker-Content-Digest",
                              sha512,
                              "Content-Type",
                              MediaType.OCI_MANIFEST.value()),
                          new byte[0]);
                  case "/v2/foo/bar/manifests/latest" ->
                      new Response(
                          200,
                          Map.of(
                              "Docker-Content-Digest",
                              digest.toString(),
                              "Content-Type",
                              MediaType.OCI_MANIFEST.value() + "; charset=utf-8",
                              "Content-Length",
                              "42"),
                          new byte[0]);
                  default -> Response.of(404);
                });
    RegistryClient client = client(Keychain.ANONYMOUS);
    Repository foo = repo("foo/bar");

    assertThat(client.headManifest(Access.pull(foo), foo, "sha512")).isEmpty();
    assertThat(client.headManifest(Access.pull(foo), foo, "latest"))
        .contains(Descriptor.of(MediaType.OCI_MANIFEST, 42, digest));
    assertThat(client.headManifest(Access.pull(foo), foo, "missing")).isEmpty();
  }

  @Test
  void anIndexFetchesEachChildOnceHoweverOftenItIsAsked() throws Exception {
    byte[] config =
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
            .getBytes(StandardCharsets.UTF_8);
    byte[] child =
        ("{\"schemaVersion\":2,\"mediaType\":\""
                + MediaType.OCI_MANIFEST
                + "\",\"config\":{\"mediaType\":\""
                + MediaType.OCI_CONFIG
                + "\",\"size\":"
                + config.length
                + ",\"digest\":\""
                + Digest.of(config)
                + "\"},\"layers\":[]}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] index =
        ("{\"schemaVersion\":2,\"mediaType\":\""
                + MediaType.OCI_INDEX
                + "\",\"manifests\":[{\"mediaType\":\""
                + MediaType.OCI_MANIFEST
                + "\",\"size\":"
                + child.length
                + ",\"digest\":\""
                + Digest.of(child)
                + "\",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}")
            .getBytes(StandardCharsets.UTF_8);
    stub =
        new StubRegistry(
            r -> {
              String p = r.pathAndQuery();
              if (p.equals("/v2/")) {
                return Response.of(200);
              }
              if (p.equals("/v2/foo/bar/manifests/latest")) {
                return new Response(
                    200, Map.of("Content-Type", MediaType.OCI_INDEX.value()), index);
              }
              if (p.equals("/v2/foo/bar/manifests/" + Digest.of(child))) {
                return new Response(
                    200, Map.of("Content-Type", MediaType.OCI_MANIFEST.value()), child);
              }
              return p.equals("/v2/foo/bar/blobs/" + Digest.of(config))
                  ? new Response(200, Map.of(), config)
                  : Response.of(404);
            });
    ImageIndex pulled =
        (ImageIndex) client(Keychain.ANONYMOUS).pull(Tag.parse(stub.host() + "/foo/bar:latest"));
    Descriptor d = pulled.indexManifest().manifests().get(0);

    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Artifact>> asks = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        asks.add(pool.submit(() -> pulled.child(d)));
      }
      Artifact first = asks.get(0).get();
      for (Future<Artifact> ask : asks) {
        assertThat(ask.get()).isSameAs(first);
      }
      assertThat(first.digest()).isEqualTo(Digest.of(child));
    } finally {
      pool.shutdownNow();
    }
    assertThat(stub.lines())
        .containsExactly(
            "GET /v2/",
            "GET /v2/foo/bar/manifests/latest",
            "GET /v2/foo/bar/manifests/" + Digest.of(child),
            "GET /v2/foo/bar/blobs/" + Digest.of(config));
  }

  @Test
  void anUnreadableManifestIsAnIoErrorNamingIt() throws Exception {
    byte[] broken =
        ("{\"schemaVersion\":2,\"mediaType\":\""
                + MediaType.OCI_INDEX
                + "\",\"manifests\":[{\"digest\":\"md5:x\"}]}")
            .getBytes(StandardCharsets.UTF_8);
    stub =
        new StubRegistry(
            r ->
                r.pathAndQuery().equals("/v2/")
                    ? Response.of(200)
                    : new Response(
                        200, Map.of("Content-Type", MediaType.OCI_INDEX.value()), broken));
    assertThatThrownBy(
            () -> client(Keychain.ANONYMOUS).pull(Tag.parse(stub.host() + "/foo/bar:latest")))
        .isExactlyInstanceOf(IOException.class)
        .hasMessageStartingWith(stub.host() + "/foo/bar@" + Digest.of(broken) + ": ")
        .hasMessageContaining("md5:x");
  }

  // ------------------------------------------------------------ failure descriptions

  @Test
  void failuresAreDescribedShortly() {
    assertThat(Failures.describe(new IOException(null, new ClosedChannelException())))
        .isEqualTo("connection closed");
    assertThat(Failures.describe(new ConnectException())).isEqualTo("connection refused");
    assertThat(Failures.describe(new HttpTimeoutException("request timed out")))
        .isEqualTo("timed out");
  }

  @Test
  void temporaryStatusesAreTimeoutsThrottlingAndServerErrors() {
    assertThat(List.of(408, 429, 500, 502, 503, 504)).allMatch(RegistryException::isTemporary);
    assertThat(List.of(200, 202, 301, 400, 401, 403, 404, 405))
        .noneMatch(RegistryException::isTemporary);
  }

  // ------------------------------------------------------------ helpers

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A Docker config.json with {@code auths} entries (host -> user:password), found via
   * DOCKER_CONFIG.
   */
  private Keychain dockerConfig(Map<String, String> auths) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("docker"));
    StringBuilder json = new StringBuilder("{\"auths\":{");
    String sep = "";
    for (Map.Entry<String, String> e : auths.entrySet()) {
      json.append(sep)
          .append('"')
          .append(e.getKey())
          .append("\":{\"auth\":\"")
          .append(Base64.getEncoder().encodeToString(e.getValue().getBytes(StandardCharsets.UTF_8)))
          .append("\"}");
      sep = ",";
    }
    Files.writeString(dir.resolve("config.json"), json.append("}}"));
    return new DockerConfigKeychain(
        new KeychainSources(dir.resolve("config.json"), List.of(), Map.of(), dir));
  }
}
