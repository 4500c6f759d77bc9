package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.testing.KoRunner;
import dev.ko.testing.Proc;
import dev.ko.testing.Repo;
import dev.ko.testing.TestBed;
import dev.ko.testing.TokenServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pushing to registries that want credentials, as users meet them: TLS with a private CA and
 * htpasswd, Bearer tokens from a token server, credentials from {@code ko login} and from a
 * credential helper. Every image is read back by skopeo and run.
 */
@Tag("integration")
class AuthIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String IMPORT_PATH = "example.com/hello/cmd/hello";
  static final String HELLO = "Hello from ko-jvm! (linux/amd64, uid 65532)\n";

  @TempDir Path tmp;

  static String md5(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  private Map<String, String> env(TestBed target, String repo, TestBed baseFrom) {
    Map<String, String> env = new HashMap<>();
    env.put("KO_DOCKER_REPO", target.registry() + "/" + repo);
    env.put("KO_DEFAULTBASEIMAGE", baseFrom.base());
    env.put("KOCACHE", tmp.resolve("cache").toString());
    env.put("DOCKER_CONFIG", tmp.resolve("docker").toString());
    env.put("HOME", tmp.resolve("home").toString());
    return env;
  }

  private KoRunner.Result login(Map<String, String> env, TestBed bed, String password) {
    return KoRunner.in(tmp, env)
        .withStdin(password + "\n")
        .run("login", bed.registry(), "-u", bed.get("TESTBED_USER"), "--password-stdin");
  }

  private String build(Map<String, String> env, String... extra) {
    Path module = tmp.resolve("example");
    if (!Files.exists(module)) {
      Repo.copyExample(module);
    }
    List<String> args = new java.util.ArrayList<>(List.of("build", "./cmd/hello"));
    args.addAll(List.of(extra));
    KoRunner.Result r = KoRunner.in(module, env).run(args.toArray(String[]::new));
    assertThat(r.exit()).as(r.describe()).isZero();
    return r.stdout().strip();
  }

  private void runsHello(TestBed bed, String ref) throws Exception {
    Proc.Result run =
        bed.runImage(ref, tmp.resolve("run-" + Integer.toUnsignedString(ref.hashCode())));
    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stdout()).startsWith(HELLO);
  }

  @Test
  void tlsRegistryWithPrivateCaThroughSslCertFileAndLoginCredentials() throws Exception {
    TestBed tls = TestBed.tlsBasicAuth();
    TestBed plain = TestBed.plain();
    Map<String, String> env = env(tls, "auth-tls", plain);
    env.put("SSL_CERT_FILE", tls.get("TESTBED_CA"));

    KoRunner.Result login = login(env, tls, tls.get("TESTBED_PASSWORD"));
    assertThat(login.exit()).as(login.describe()).isZero();
    assertThat(login.stdout()).isEmpty();
    Path config = tmp.resolve("docker/config.json");
    assertThat(login.stderr()).contains("logged in via " + config);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config)))
        .isEqualTo("rw-------");
    JsonNode auths = JSON.readTree(config.toFile()).path("auths");
    String expectedAuth =
        java.util.Base64.getEncoder()
            .encodeToString(
                (tls.get("TESTBED_USER") + ":" + tls.get("TESTBED_PASSWORD"))
                    .getBytes(StandardCharsets.UTF_8));
    assertThat(auths.path(tls.registry()).path("auth").asText()).isEqualTo(expectedAuth);

    long mark = tls.logMark();
    String ref = build(env);
    assertThat(ref)
        .matches(
            Pattern.quote(tls.registry() + "/auth-tls/hello-" + md5(IMPORT_PATH))
                + "@sha256:[0-9a-f]{64}");
    List<String> requests = tls.requestsSince(mark);
    assertThat(requests)
        .as("the base is on another registry: its layers are streamed, never mounted")
        .noneMatch(q -> q.contains("mount="));
    long blobPuts =
        requests.stream()
            .filter(q -> q.startsWith("PUT ") && q.contains("/blobs/uploads/"))
            .count();
    assertThat(blobPuts)
        .as("2 base layers + kodata + binary + config, and the SBOM's layer and config")
        .isEqualTo(7);
    JsonNode manifest = JSON.readTree(tls.skopeoInspect(ref, "--raw"));
    assertThat(manifest.at("/layers").size()).isEqualTo(4);
    runsHello(tls, ref);
  }

  @Test
  void sslCertDirIsHonouredToo() throws Exception {
    TestBed tls = TestBed.tlsBasicAuth();
    Map<String, String> env = env(tls, "auth-tls-dir", TestBed.plain());
    env.put("SSL_CERT_DIR", "/nonexistent:" + tls.get("TESTBED_CERT_DIR"));
    assertThat(login(env, tls, tls.get("TESTBED_PASSWORD")).exit()).isZero();
    String ref = build(env, "--platform=linux/arm64");
    assertThat(tls.skopeoInspect(ref, "--raw"))
        .contains("application/vnd.oci.image.manifest.v1+json");
  }

  @Test
  void insecureRegistrySkipsVerificationForTheTargetOnly() throws Exception {
    TestBed tls = TestBed.tlsBasicAuth();
    Map<String, String> env = env(tls, "auth-insecure", TestBed.plain());
    assertThat(login(env, tls, tls.get("TESTBED_PASSWORD")).exit()).isZero();
    String ref = build(env, "--insecure-registry");
    runsHello(tls, ref);
  }

  @Test
  void tokenRegistryWithLoginGetsTokensScopedExactlyAndReusesThem() throws Exception {
    TestBed bed = TestBed.tokenAuth();
    TokenServer tokens = bed.tokenServer();
    Map<String, String> env = env(bed, "auth-token", bed);
    KoRunner.Result login = login(env, bed, "pass");
    assertThat(login.exit()).as(login.describe()).isZero();

    int before = tokens.requests().size();
    long mark = bed.logMark();
    String ref = build(env, "--platform=linux/amd64,linux/arm64");
    List<TokenServer.Request> asked = tokens.requests().subList(before, tokens.requests().size());
    String target = "auth-token/hello-" + md5(IMPORT_PATH);

    Set<Set<String>> scopeSets = new java.util.HashSet<>();
    asked.forEach(q -> scopeSets.add(new TreeSet<>(q.scopes())));
    assertThat(scopeSets)
        .as("pull on the base; push on the target plus pull on the mount source")
        .containsExactlyInAnyOrder(
            Set.of("repository:distroless/static:pull"),
            Set.of("repository:" + target + ":pull,push", "repository:distroless/static:pull"));
    assertThat(asked).as("one token per scope set, reused for every request").hasSize(2);
    assertThat(asked).allMatch(q -> q.user().equals("user") && q.status() == 200);
    assertThat(bed.requestsSince(mark))
        .as("base layers are mounted on the same registry")
        .anyMatch(q -> q.contains("mount="));
    runsHello(bed, ref);
  }

  @Test
  void baseOnATokenRegistryTargetOnATlsRegistryBothWithLogins() throws Exception {
    TestBed token = TestBed.tokenAuth();
    TestBed tls = TestBed.tlsBasicAuth();
    Map<String, String> env = env(tls, "auth-cross", token);
    env.put("SSL_CERT_FILE", tls.get("TESTBED_CA"));
    assertThat(login(env, token, "pass").exit()).isZero();
    assertThat(login(env, tls, tls.get("TESTBED_PASSWORD")).exit()).isZero();
    int before = token.tokenServer().requests().size();
    long mark = tls.logMark();
    String ref = build(env, "--platform=linux/arm64");
    assertThat(
            token.tokenServer().requests().subList(before, token.tokenServer().requests().size()))
        .as("the base registry is only read")
        .allMatch(q -> q.scopes().equals(List.of("repository:distroless/static:pull")));
    assertThat(tls.requestsSince(mark)).noneMatch(q -> q.contains("mount="));
    Proc.Result run = tls.runImage(ref, tmp.resolve("run-cross"), "arm64", "v8");
    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stdout()).startsWith("Hello from ko-jvm! (linux/arm64, uid 65532)\n");
  }

  @Test
  void credentialHelperOnPathStoresOnLoginAndAnswersOnPush() throws Exception {
    TestBed tls = TestBed.tlsBasicAuth();
    Path store = Files.createDirectories(tmp.resolve("helper-store"));
    Path bin =
        writeHelper(
            tmp.resolve("bin"),
            "kotest",
            """
            #!/bin/sh
            # A credential store in files, one per server, speaking Docker's helper protocol.
            echo "$1" >> "$KOTEST_STORE/calls"
            case "$1" in
              store)
                input=$(cat)
                server=$(printf '%s' "$input" | jq -r .ServerURL)
                printf '%s' "$input" | jq -c '{Username, Secret}' > "$KOTEST_STORE/$(printf '%s' "$server" | tr '/:' '__')"
                ;;
              get)
                server=$(cat)
                f="$KOTEST_STORE/$(printf '%s' "$server" | tr '/:' '__')"
                if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi
                ;;
              *) exit 1 ;;
            esac
            """);
    Map<String, String> env = env(tls, "auth-helper", TestBed.plain());
    env.put("SSL_CERT_FILE", tls.get("TESTBED_CA"));
    env.put("PATH", bin + ":" + System.getenv("PATH"));
    env.put("KOTEST_STORE", store.toString());
    Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(
        tmp.resolve("docker/config.json"), "{\"credsStore\": \"kotest\", \"psFormat\": \"table\"}");

    KoRunner.Result login = login(env, tls, tls.get("TESTBED_PASSWORD"));
    assertThat(login.exit()).as(login.describe()).isZero();
    String config = Files.readString(tmp.resolve("docker/config.json"));
    assertThat(config)
        .doesNotContain(tls.get("TESTBED_PASSWORD"))
        .contains("psFormat")
        .contains("\"credsStore\"");
    JsonNode entry = JSON.readTree(config).path("auths").path(tls.registry());
    assertThat(entry.isObject() && entry.isEmpty()).as(config).isTrue();

    String ref = build(env);
    // ko's keychain asks for the repository's key first, then the registry's; once each per run.
    assertThat(Files.readAllLines(store.resolve("calls"))).containsExactly("store", "get", "get");
    runsHello(tls, ref);
  }

  static Path writeHelper(Path bin, String name, String script) throws Exception {
    Files.createDirectories(bin);
    Path helper = bin.resolve("docker-credential-" + name);
    Files.writeString(helper, script);
    Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
    return bin;
  }
}
