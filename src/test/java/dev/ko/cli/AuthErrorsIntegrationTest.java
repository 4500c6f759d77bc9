package dev.ko.cli;

import static dev.ko.cli.AuthIntegrationTest.IMPORT_PATH;
import static dev.ko.cli.AuthIntegrationTest.md5;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.testing.KoRunner;
import dev.ko.testing.Repo;
import dev.ko.testing.TestBed;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What users get wrong with registries: one {@code Error:} line that says what and where, exit 1,
 * nothing on stdout, nothing pushed, and never a password or token in the output, {@code -v}
 * included (every run here is verbose and every output is scanned).
 */
@Tag("integration")
class AuthErrorsIntegrationTest {
  private static final String WRONG_PASSWORD = "Wr0ng-Passw0rd-7731";

  @TempDir Path tmp;

  private Map<String, String> env(TestBed target, String repo) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", target.registry() + "/" + repo);
    env.put("KO_DEFAULTBASEIMAGE", TestBed.plain().base());
    env.put("KOCACHE", tmp.resolve("cache").toString());
    env.put("DOCKER_CONFIG", tmp.resolve("docker").toString());
    env.put("HOME", tmp.resolve("home").toString());
    return env;
  }

  private Path module() {
    Path m = tmp.resolve("example");
    if (!Files.exists(m)) {
      Repo.copyExample(m);
    }
    return m;
  }

  private static void login(Map<String, String> env, TestBed bed, String password) {
    KoRunner.Result r =
        KoRunner.in(Path.of("."), env)
            .withStdin(password)
            .run("login", bed.registry(), "-u", bed.get("TESTBED_USER"), "--password-stdin", "-v");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertNoSecrets(r, password, bed.get("TESTBED_USER") + ":" + password);
  }

  private KoRunner.Result build(Map<String, String> env, String... extra) {
    List<String> args = new ArrayList<>(List.of("build", "./cmd/hello", "-v"));
    args.addAll(List.of(extra));
    return KoRunner.in(module(), env).run(args.toArray(String[]::new));
  }

  /** ko's failure shape; returns the error line. */
  private static String failure(KoRunner.Result r) {
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.stdout()).as("nothing on stdout").isEmpty();
    List<String> errors =
        Arrays.stream(r.stderr().split("\n")).filter(l -> l.startsWith("Error:")).toList();
    assertThat(errors).as(r.stderr()).hasSize(1);
    return errors.get(0);
  }

  /**
   * No secret, nor its base64 (a Basic header), nor a JWT's signed part, anywhere in the output.
   */
  static void assertNoSecrets(KoRunner.Result r, String... secrets) {
    String all = r.stdout() + "\n" + r.stderr();
    for (String s : secrets) {
      assertThat(all).as("output must not contain a secret").doesNotContain(s);
      assertThat(all)
          .doesNotContain(Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)));
      int dot = s.indexOf('.');
      if (dot > 0) {
        assertThat(all).as("no part of a token").doesNotContain(s.substring(dot + 1));
      }
    }
  }

  @Test
  void wrongPassword() throws Exception {
    TestBed tls = TestBed.tlsBasicAuth();
    Map<String, String> env = env(tls, "err-wrong-password");
    env.put("SSL_CERT_FILE", tls.get("TESTBED_CA"));
    login(env, tls, WRONG_PASSWORD);
    KoRunner.Result r = build(env);
    String e = failure(r);
    assertThat(e)
        .contains(tls.registry())
        .contains("UNAUTHORIZED")
        .contains("credentials for " + tls.registry() + " were refused");
    assertNoSecrets(r, WRONG_PASSWORD, "user:" + WRONG_PASSWORD);
    assertThat(tls.tags("err-wrong-password/hello-" + md5(IMPORT_PATH))).isEmpty();
  }

  @Test
  void certificateThatIsNotTrusted() throws Exception {
    TestBed tls = TestBed.tlsBasicAuth();
    Map<String, String> env = env(tls, "err-untrusted");
    login(env, tls, tls.get("TESTBED_PASSWORD"));
    KoRunner.Result r = build(env);
    String e = failure(r);
    assertThat(e)
        .contains("https://" + tls.registry())
        .contains("TLS certificate not trusted")
        .contains("certificate signed by unknown authority")
        .contains("SSL_CERT_FILE");
    assertNoSecrets(r, "user:" + tls.get("TESTBED_PASSWORD"));
  }

  @Test
  void credentialHelperThatFails() throws Exception {
    TestBed tls = TestBed.tlsBasicAuth();
    Path bin =
        AuthIntegrationTest.writeHelper(
            tmp.resolve("bin"),
            "broken",
            """
            #!/bin/sh
            cat > /dev/null
            echo "keychain is locked" >&2
            exit 3
            """);
    Map<String, String> env = env(tls, "err-helper");
    env.put("SSL_CERT_FILE", tls.get("TESTBED_CA"));
    env.put("PATH", bin + ":" + System.getenv("PATH"));
    Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(
        tmp.resolve("docker/config.json"),
        "{\"credHelpers\": {\"" + tls.registry() + "\": \"broken\"}}");
    String e = failure(build(env));
    assertThat(e)
        .contains("docker-credential-broken get failed for " + tls.registry())
        .contains("exit status 3")
        .contains("keychain is locked");

    KoRunner.Result login =
        KoRunner.in(tmp, env).run("login", tls.registry(), "-u", "user", "-p", WRONG_PASSWORD);
    assertThat(failure(login)).contains("docker-credential-broken store failed");
    assertNoSecrets(login, WRONG_PASSWORD);
  }

  @Test
  void tagOnlyWithLatestOrSeveralTags() throws Exception {
    TestBed plain = TestBed.plain();
    Map<String, String> env = env(plain, "err-tag-only");
    assertThat(failure(build(env, "--tag-only")))
        .isEqualTo("Error: latest tag cannot be used in tag-only references");
    assertThat(failure(build(env, "--tag-only", "-t", "a,b")))
        .isEqualTo(
            "Error: must specify exactly one tag to resolve images into tag-only references");
    assertThat(failure(build(env, "-t", "bad tag!")))
        .startsWith("Error: invalid tag \"bad tag!\": tag can only contain the characters");
    assertThat(plain.tags("err-tag-only/hello-" + md5(IMPORT_PATH))).isEmpty();
  }

  @Test
  void tokenServerThatIsDown() throws Exception {
    TestBed bed = TestBed.startTokenAuth("token-down");
    Map<String, String> env = env(bed, "err-token-down");
    login(env, bed, "pass");
    String realm = bed.tokenServer().realm();
    bed.tokenServer().close();
    KoRunner.Result r = build(env);
    String e = failure(r);
    assertThat(e).contains(realm).contains("connection refused");
    assertNoSecrets(r, "user:pass");
  }

  @Test
  void dockerEngineThatIsNotThere() throws Exception {
    Map<String, String> env = env(TestBed.plain(), "unused");
    env.put("KO_DOCKER_REPO", "ko.local");
    env.put("DOCKER_HOST", "unix://" + tmp.resolve("no-such.sock"));
    String e = failure(build(env));
    assertThat(e)
        .contains("cannot connect to the Docker daemon at unix://" + tmp.resolve("no-such.sock"));
    env.put("DOCKER_HOST", "ssh://somewhere");
    assertThat(failure(build(env)))
        .isEqualTo(
            "Error: unsupported DOCKER_HOST \"ssh://somewhere\": want unix:///path or"
                + " tcp://host:port");
  }

  @Test
  void loginWithoutCredentialsOrWithABadServer() {
    Map<String, String> env = env(TestBed.plain(), "unused");
    assertThat(failure(KoRunner.in(tmp, env).run("login", "reg.example.com")))
        .isEqualTo("Error: username and password required");
    assertThat(
            failure(
                KoRunner.in(tmp, env)
                    .run("login", "https://reg.example.com/", "-u", "u", "-p", WRONG_PASSWORD)))
        .startsWith("Error: invalid registry \"https://reg.example.com/\"");
    assertThat(Files.exists(tmp.resolve("docker/config.json"))).isFalse();
  }

  /** Successful verbose runs against both auth schemes print no credential and no token either. */
  @Test
  void verboseRunsThatSucceedPrintNoSecrets() throws Exception {
    TestBed token = TestBed.tokenAuth();
    Map<String, String> env = env(token, "err-verbose-token");
    env.put("KO_DEFAULTBASEIMAGE", token.base());
    login(env, token, "pass");
    int before = token.tokenServer().issuedTokens().size();
    KoRunner.Result r = build(env);
    assertThat(r.exit()).as(r.describe()).isZero();
    List<String> secrets =
        new ArrayList<>(
            token
                .tokenServer()
                .issuedTokens()
                .subList(before, token.tokenServer().issuedTokens().size()));
    assertThat(secrets).isNotEmpty();
    secrets.add("user:pass");
    assertNoSecrets(r, secrets.toArray(String[]::new));
    assertThat(r.stderr()).as("-v shows the requests").contains("--> GET");

    TestBed tls = TestBed.tlsBasicAuth();
    Map<String, String> tlsEnv = env(tls, "err-verbose-tls");
    tlsEnv.put("SSL_CERT_FILE", tls.get("TESTBED_CA"));
    login(tlsEnv, tls, tls.get("TESTBED_PASSWORD"));
    KoRunner.Result t = build(tlsEnv);
    assertThat(t.exit()).as(t.describe()).isZero();
    assertNoSecrets(t, "user:" + tls.get("TESTBED_PASSWORD"));
  }
}
