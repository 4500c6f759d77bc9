package dev.ko.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.testing.KoRunner;
import dev.ko.testing.KoServer;
import dev.ko.testing.Proc;
import dev.ko.testing.Repo;
import dev.ko.testing.TestBed;
import dev.ko.testing.TokenServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build server with its real client (compiled with gcc), a real registry and real go: the
 * server runs each request with the request's own environment and working directory, cancels a
 * request whose client is killed before any tag moves, serves only its own user, reads credentials
 * afresh, and stops when idle.
 */
@Tag("integration")
class ServerIntegrationTest {
  private static final Pattern LOG_TIME =
      Pattern.compile("(?m)^\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d ");

  private final TestBed bed = TestBed.plain();

  @TempDir Path tmp;

  private Map<String, String> env(String repo) {
    Map<String, String> env = new HashMap<>();
    for (String keep : new String[] {"PATH", "HOME", "GOCACHE", "GOPATH", "GOFLAGS", "TMPDIR"}) {
      String v = System.getenv(keep);
      if (v != null) {
        env.put(keep, v);
      }
    }
    env.put("KO_DOCKER_REPO", bed.registry() + "/" + repo);
    env.put("KO_DEFAULTBASEIMAGE", bed.base());
    env.put("KOCACHE", tmp.resolve("cache").toString());
    env.put("LC_ALL", "C.UTF-8");
    return env;
  }

  private static InputStream none() {
    return InputStream.nullInputStream();
  }

  private static List<String> lines(String log) {
    return LOG_TIME.matcher(log).replaceAll("").lines().sorted().toList();
  }

  @Test
  void theServerPrintsWhatAFreshRunPrints() throws Exception {
    KoServer server = KoServer.shared();
    Path module = Repo.copyExample(tmp.resolve("example"));
    Map<String, String> env = env("both-ways");
    String yaml = "image: ko://example.com/hello/cmd/hello\n# a comment\n";
    List<List<String>> commands =
        List.of(
            List.of("build", "./cmd/hello"),
            List.of("build", "--push=false", "-t", "v1,v2", "./cmd/hello"),
            List.of("resolve", "-f", "-"),
            List.of("version"),
            List.of("build", "--no-such-flag"),
            List.of("build", "./cmd/missing"),
            List.of("build", "-t", "bad tag", "./cmd/hello"));
    KoRunner runner = KoRunner.in(module, env);
    for (List<String> c : commands) {
      String[] args = c.toArray(String[]::new);
      byte[] in = yaml.getBytes(StandardCharsets.UTF_8);
      runner.inProcess(new ByteArrayInputStream(in), args); // the registry as the next runs see it
      KoRunner.Result served = server.run(module, env, new ByteArrayInputStream(in), args);
      KoRunner.Result fresh = runner.inProcess(new ByteArrayInputStream(in), args);
      assertThat(served.exit()).as(c + "\n" + served.describe()).isEqualTo(fresh.exit());
      assertThat(served.stdout()).as(c.toString()).isEqualTo(fresh.stdout());
      // The same lines; parallel pushes may log theirs in another order in any two runs.
      assertThat(lines(served.stderr())).as(c.toString()).isEqualTo(lines(fresh.stderr()));
    }
  }

  @Test
  void twoClientsAtOnceGetTheirOwnEnvironmentAndDirectory() throws Exception {
    KoServer server = KoServer.shared();
    Path a = Repo.copyExample(tmp.resolve("a"));
    Path b = Repo.copyExample(tmp.resolve("b"));
    Files.writeString(
        b.resolve(".ko.yaml"), "defaultBaseImage: " + bed.get("TESTBED_BASE_SINGLE") + "\n");
    Map<String, String> envA = env("client-a");
    Map<String, String> envB = env("client-b");
    envB.put("GOFLAGS", "-trimpath");
    envB.remove("KO_DEFAULTBASEIMAGE"); // b's .ko.yaml names its base
    KoServer.Client ca =
        server.launch(
            a, envA, none(), "build", "--bare", "--image-refs", "refs.txt", "./cmd/hello");
    KoServer.Client cb =
        server.launch(
            b, envB, none(), "build", "--bare", "--image-refs", "refs.txt", "./cmd/hello");
    KoRunner.Result ra = ca.await();
    KoRunner.Result rb = cb.await();
    assertThat(ra.exit()).as(ra.describe()).isZero();
    assertThat(rb.exit()).as(rb.describe()).isZero();
    assertThat(ra.stdout()).startsWith(bed.registry() + "/client-a@sha256:");
    assertThat(rb.stdout()).startsWith(bed.registry() + "/client-b@sha256:");
    assertThat(ra.stderr()).contains("Using base " + bed.base() + "@").doesNotContain("client-b");
    assertThat(rb.stderr())
        .contains("Using base " + bed.get("TESTBED_BASE_SINGLE") + "@")
        .doesNotContain("client-a");
    // --image-refs relative to each client's own directory, not the server's
    assertThat(Files.readString(a.resolve("refs.txt"))).isEqualTo(ra.stdout());
    assertThat(Files.readString(b.resolve("refs.txt"))).isEqualTo(rb.stdout());
    // and the same as fresh runs with the same inputs
    KoRunner.Result fa = KoRunner.in(a, envA).inProcess(none(), "build", "--bare", "./cmd/hello");
    KoRunner.Result fb = KoRunner.in(b, envB).inProcess(none(), "build", "--bare", "./cmd/hello");
    assertThat(fa.stdout()).isEqualTo(ra.stdout());
    assertThat(fb.stdout()).isEqualTo(rb.stdout());
  }

  @Test
  void aClientKilledMidPushMovesNoTagAndTheServerServesOn() throws Exception {
    KoServer server = KoServer.shared();
    Path module = Repo.copyExample(tmp.resolve("kill"));
    Map<String, String> env = env("killed");
    KoRunner.Result first =
        server.run(module, env, none(), "build", "--bare", "-t", "t1", "./cmd/hello");
    assertThat(first.exit()).as(first.describe()).isZero();
    String before = tagDigest("killed", "t1");
    long pid = server.pid();
    assertThat(pid).isPositive();

    for (String how : List.of("KILL", "INT")) {
      // A big incompressible kodata file: seconds to compress and upload.
      byte[] noise = new byte[120 << 20];
      new Random(how.hashCode()).nextBytes(noise);
      Files.write(module.resolve("cmd/hello/kodata/big-" + how + ".bin"), noise);
      long mark = Files.size(server.log());
      KoServer.Client c =
          server.launch(module, env, none(), "build", "--bare", "-t", "t1", "./cmd/hello");
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (!c.stderrSoFar().contains("Publishing") && c.process.isAlive()) {
        assertThat(System.nanoTime()).as("waiting for the push to start").isLessThan(deadline);
        Thread.sleep(5);
      }
      Proc.run(tmp, Map.of(), List.of("kill", "-" + how, Long.toString(c.process.pid())));
      KoRunner.Result r = c.await();
      if (how.equals("INT")) {
        assertThat(r.exit()).as(r.describe()).isEqualTo(130);
      } else {
        assertThat(r.exit()).isEqualTo(137);
      }
      // The server finishes the cancelled request (its tasks stopped) before it logs it done.
      waitForLog(server, mark, "cancelling its run");
      waitForLog(server, mark, "request build done");
      assertThat(tagDigest("killed", "t1")).as("t1 after " + how).isEqualTo(before);
      assertThat(server.pid()).isEqualTo(pid);
    }
    KoRunner.Result again = server.run(module, env, none(), "version");
    assertThat(again.exit()).as(again.describe()).isZero();
  }

  @Test
  void anotherUserCannotConnect() throws Exception {
    KoServer server = KoServer.shared();
    assertThat(server.run(tmp, env("x"), none(), "version").exit()).isZero();
    String probe =
        """
        import socket,sys
        s=socket.socket(socket.AF_UNIX)
        try:
          s.connect(sys.argv[1])
        except OSError as e:
          print('refused', e.errno); sys.exit(3)
        try:
          s.sendall(b'R\\0\\0\\0\\0')
          print('closed' if s.recv(1)==b'' else 'answered')
        except (ConnectionResetError, BrokenPipeError):
          print('closed')
        """;
    List<String> asNobody =
        List.of(
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/usr/bin/python3",
            "-c",
            probe,
            server.socket().toString());
    // The socket's directory is the user's alone.
    Proc.Result denied = Proc.run(tmp, Map.of(), asNobody);
    assertThat(denied.exit()).as(denied.stdout() + denied.stderr()).isEqualTo(3);
    assertThat(denied.stdout()).contains("refused 13"); // EACCES
    // Even with the directory and socket opened up, the server checks the peer's user.
    Path dir = server.socket().getParent();
    long mark = Files.size(server.log());
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    Files.setPosixFilePermissions(server.socket(), PosixFilePermissions.fromString("rwxrwxrwx"));
    try {
      Proc.Result closed = Proc.run(tmp, Map.of(), asNobody);
      assertThat(closed.stdout()).as(closed.stderr()).contains("closed");
      waitForLog(server, mark, "refused a connection from user nobody");
    } finally {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      Files.setPosixFilePermissions(server.socket(), PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    // The owner is still served.
    assertThat(server.run(tmp, env("x"), none(), "version").exit()).isZero();
  }

  @Test
  void registryTokensAreKeptBetweenRequestsForTheSameCredentialsOnly() throws Exception {
    KoServer server = KoServer.shared();
    TestBed token = TestBed.tokenAuth();
    TokenServer tokens = token.tokenServer();
    Path module = Repo.copyExample(tmp.resolve("tokens"));
    Path docker = Files.createDirectories(tmp.resolve("docker-tokens"));
    Map<String, String> env = env("unused");
    env.put("KO_DOCKER_REPO", token.registry() + "/kept-tokens");
    env.put("KO_DEFAULTBASEIMAGE", token.base());
    env.put("DOCKER_CONFIG", docker.toString());
    String[] build = {"build", "--bare", "./cmd/hello"};
    String user = token.get("TESTBED_USER");

    int before = tokens.requests().size();
    writeDockerConfig(docker, token.registry(), user, token.get("TESTBED_PASSWORD"));
    KoRunner.Result first = server.run(module, env, none(), build);
    assertThat(first.exit()).as(first.describe()).isZero();
    List<TokenServer.Request> asked = tokens.requests().subList(before, tokens.requests().size());
    assertThat(asked).as("the first request's tokens").isNotEmpty();
    assertThat(asked).allMatch(q -> q.user().equals(user) && q.status() == 200);

    before = tokens.requests().size();
    KoRunner.Result second = server.run(module, env, none(), build);
    assertThat(second.exit()).as(second.describe()).isZero();
    assertThat(second.stdout()).isEqualTo(first.stdout());
    assertThat(tokens.requests().subList(before, tokens.requests().size()))
        .as("the second request uses the kept tokens")
        .isEmpty();

    // Another password in config.json: the kept tokens are not used, a token is asked for (and
    // refused), and the build fails as a fresh process would.
    before = tokens.requests().size();
    writeDockerConfig(docker, token.registry(), user, "wrong");
    KoRunner.Result refused = server.run(module, env, none(), build);
    assertThat(refused.exit()).as(refused.describe()).isEqualTo(1);
    assertThat(tokens.requests().subList(before, tokens.requests().size()))
        .as("the changed credentials' token requests")
        .isNotEmpty()
        .allMatch(q -> q.status() == 401);

    // The right password again: its tokens are still kept.
    before = tokens.requests().size();
    writeDockerConfig(docker, token.registry(), user, token.get("TESTBED_PASSWORD"));
    KoRunner.Result again = server.run(module, env, none(), build);
    assertThat(again.exit()).as(again.describe()).isZero();
    assertThat(tokens.requests().subList(before, tokens.requests().size())).isEmpty();
    // No token is ever printed.
    for (String t : tokens.issuedTokens()) {
      assertThat(first.stderr() + second.stderr() + refused.stderr() + again.stderr())
          .doesNotContain(t);
    }
  }

  private static void writeDockerConfig(Path dir, String registry, String user, String password)
      throws IOException {
    String basic =
        Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    Files.writeString(
        dir.resolve("config.json"),
        "{\"auths\":{\"" + registry + "\":{\"auth\":\"" + basic + "\"}}}");
  }

  @Test
  void aChangedDockerConfigIsUsedOnTheNextRequest() throws Exception {
    KoServer server = KoServer.shared();
    TestBed auth = TestBed.basicAuth();
    Path module = Repo.copyExample(tmp.resolve("auth"));
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    Map<String, String> env = env("unused");
    env.put("KO_DOCKER_REPO", auth.registry() + "/creds");
    env.put("DOCKER_CONFIG", "../docker"); // relative: against the request's directory
    long pid = -1;
    for (String password : List.of("wrong", auth.get("TESTBED_PASSWORD"), "wrong-again")) {
      String basic =
          Base64.getEncoder()
              .encodeToString(
                  (auth.get("TESTBED_USER") + ":" + password).getBytes(StandardCharsets.UTF_8));
      Files.writeString(
          docker.resolve("config.json"),
          "{\"auths\":{\"" + auth.registry() + "\":{\"auth\":\"" + basic + "\"}}}");
      KoRunner.Result r = server.run(module, env, none(), "build", "--bare", "./cmd/hello");
      if (password.startsWith("wrong")) {
        assertThat(r.exit()).as(password + "\n" + r.describe()).isEqualTo(1);
        assertThat(r.stderr()).contains("the credentials for " + auth.registry() + " were refused");
      } else {
        assertThat(r.exit()).as(r.describe()).isZero();
        assertThat(r.stdout()).startsWith(auth.registry() + "/creds@sha256:");
      }
      if (pid == -1) {
        pid = server.pid();
      }
      assertThat(server.pid()).as("one server for all three").isEqualTo(pid);
    }
  }

  @Test
  void theIdleTimeoutStopsTheServer() throws Exception {
    KoServer server = KoServer.start("idle", Map.of("KO_SERVER_IDLE_TIMEOUT", "1"));
    KoRunner.Result r = server.run(tmp, env("x"), none(), "version");
    assertThat(r.exit()).as(r.describe()).isZero();
    long first = server.pid();
    assertThat(first).isPositive();
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false)) {
      assertThat(System.nanoTime()).as("server still running").isLessThan(deadline);
      Thread.sleep(100);
    }
    assertThat(server.socket()).doesNotExist();
    assertThat(Files.readString(server.log())).contains("idle for 1 s: stopping");
    // The next request starts a new one.
    assertThat(server.run(tmp, env("x"), none(), "version").stdout()).isNotEmpty();
    long second = server.pid();
    assertThat(second).isPositive().isNotEqualTo(first);
    server.stopQuietly();
  }

  @Test
  void aServerKilledMidPushGivesWayToAColdRunThatFinishesTheBuild() throws Exception {
    KoServer server = KoServer.start("crash", Map.of());
    try {
      Path module = Repo.copyExample(tmp.resolve("crash"));
      // A big incompressible kodata file: the push takes long enough to be cut.
      // New bytes and a new repository on every run, so the push is never a no-op.
      byte[] noise = new byte[120 << 20];
      new Random(System.nanoTime()).nextBytes(noise);
      Files.write(module.resolve("cmd/hello/kodata/big.bin"), noise);
      String repo = "crashed-" + Long.toHexString(System.nanoTime());
      KoServer.Client c =
          server.launch(module, env(repo), none(), "build", "--bare", "-t", "t1", "./cmd/hello");
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (!c.stderrSoFar().contains("Publishing") && c.process.isAlive()) {
        assertThat(System.nanoTime()).as("waiting for the push to start").isLessThan(deadline);
        Thread.sleep(5);
      }
      long pid = server.pid();
      assertThat(pid).isPositive();
      Proc.run(tmp, Map.of(), List.of("kill", "-KILL", Long.toString(pid)));

      KoRunner.Result r = c.await();
      assertThat(r.exit()).as(r.describe()).isZero();
      assertThat(r.stderr())
          .contains("ko: the build server went away (its log: ")
          .contains("); running again without it");
      String ref = r.stdout().strip();
      assertThat(ref).startsWith(bed.registry() + "/" + repo + ":t1@sha256:");
      assertThat(tagDigest(repo, "t1")).isEqualTo(ref.substring(ref.indexOf('@') + 1));
    } finally {
      server.stopQuietly();
    }
  }

  @Test
  void aServerKilledAfterItTookStandardInputFailsTheRunWithWhereItsLogIs() throws Exception {
    KoServer server = KoServer.start("crash-stdin", Map.of());
    try {
      Path module = Repo.copyExample(tmp.resolve("crash-stdin"));
      byte[] noise = new byte[120 << 20];
      new Random(System.nanoTime()).nextBytes(noise);
      Files.write(module.resolve("cmd/hello/kodata/big.bin"), noise);
      byte[] yaml = "image: ko://example.com/hello/cmd/hello\n".getBytes(StandardCharsets.UTF_8);
      KoServer.Client c =
          server.launch(
              module,
              env("crashed-stdin-" + Long.toHexString(System.nanoTime())),
              new ByteArrayInputStream(yaml),
              "resolve",
              "--bare",
              "-f",
              "-");
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (!c.stderrSoFar().contains("Publishing") && c.process.isAlive()) {
        assertThat(System.nanoTime()).as("waiting for the push to start").isLessThan(deadline);
        Thread.sleep(5);
      }
      Proc.run(tmp, Map.of(), List.of("kill", "-KILL", Long.toString(server.pid())));

      // The input is gone with the server: a second run could not read it again.
      KoRunner.Result r = c.await();
      assertThat(r.exit()).as(r.describe()).isEqualTo(1);
      assertThat(r.stdout()).isEmpty();
      assertThat(r.stderr())
          .contains("ko: the build server went away (its log: " + server.log() + ")")
          .doesNotContain("running again without it");
    } finally {
      server.stopQuietly();
    }
  }

  @Test
  void theClientRunsColdWhenTheServerIsOffOrUnusable() throws Exception {
    KoServer server = KoServer.start("cold", Map.of());
    Path notADirectory = Files.writeString(tmp.resolve("file"), "");
    List<Map<String, String>> cases =
        List.of(
            Map.of("KO_SERVER", "0", "KO_SERVER_SOCKET", server.socket().toString()),
            Map.of("CI", "true", "KO_SERVER_SOCKET", server.socket().toString()),
            Map.of("KO_SERVER_SOCKET", notADirectory.resolve("ko.sock").toString()));
    for (Map<String, String> vars : cases) {
      ProcessBuilder pb =
          new ProcessBuilder(server.client().toString(), "build", "--no-such-flag")
              .directory(tmp.toFile());
      pb.environment().clear();
      pb.environment().put("PATH", System.getenv("PATH"));
      pb.environment().put("HOME", tmp.toString());
      pb.environment().putAll(vars);
      Process p = pb.start();
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as(vars + "\n" + err).isEqualTo(2); // picocli's usage error, cold
      assertThat(err).as(vars.toString()).contains("Unknown option: '--no-such-flag'");
      assertThat(server.socket()).as("no server started for " + vars).doesNotExist();
    }
  }

  private static void waitForLog(KoServer server, long mark, String text) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (true) {
      String log = Files.readString(server.log()).substring((int) mark);
      if (log.contains(text)) {
        return;
      }
      assertThat(System.nanoTime())
          .as("waiting for \"" + text + "\" in the server log:\n" + log)
          .isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private String tagDigest(String repo, String tag) throws IOException, InterruptedException {
    HttpResponse<Void> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://" + bed.registry() + "/v2/" + repo + "/manifests/" + tag))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .header(
                        "Accept",
                        "application/vnd.oci.image.index.v1+json,application/vnd.oci.image.manifest.v1+json,"
                            + "application/vnd.docker.distribution.manifest.list.v2+json,"
                            + "application/vnd.docker.distribution.manifest.v2+json")
                    .build(),
                HttpResponse.BodyHandlers.discarding());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.headers().firstValue("Docker-Content-Digest").orElseThrow();
  }
}
