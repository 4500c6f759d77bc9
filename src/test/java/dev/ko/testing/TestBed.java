package dev.ko.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The real registry the integration tests push to, started by {@code scripts/testbed.sh} once per
 * test JVM (or taken from {@code KO_TESTBED_ENV}, an env file of a running test bed) and stopped at
 * exit. Variants with TLS and Basic auth are started on demand.
 */
public final class TestBed {
  private static final Map<String, TestBed> RUNNING = new ConcurrentHashMap<>();

  private final Map<String, String> values;
  private final TokenServer tokenServer;

  private TestBed(Map<String, String> values) {
    this(values, null);
  }

  private TestBed(Map<String, String> values, TokenServer tokenServer) {
    this.values = Map.copyOf(values);
    this.tokenServer = tokenServer;
  }

  /** The plain-HTTP registry with the seeded base images. */
  public static TestBed plain() {
    return RUNNING.computeIfAbsent(
        "plain",
        k -> {
          String envFile = System.getenv("KO_TESTBED_ENV");
          if (envFile != null && !envFile.isEmpty()) {
            return new TestBed(readEnv(Path.of(envFile)));
          }
          return start("plain");
        });
  }

  /** A registry with TLS (its own CA) and htpasswd Basic auth for {@code user}/{@code pass}. */
  public static TestBed tlsBasicAuth() {
    return RUNNING.computeIfAbsent("tls", k -> start("tls", "--tls", "--htpasswd", "user:pass"));
  }

  /** A plain-HTTP registry with htpasswd Basic auth for {@code user}/{@code pass}. */
  public static TestBed basicAuth() {
    return RUNNING.computeIfAbsent("auth", k -> start("auth", "--htpasswd", "user:pass"));
  }

  /**
   * A plain-HTTP registry with Bearer token auth, as Docker Hub or GHCR work: its token server (in
   * this JVM) knows {@code user}/{@code pass} and gives anonymous callers pull only.
   */
  public static TestBed tokenAuth() {
    return RUNNING.computeIfAbsent("token", k -> startTokenAuth("token"));
  }

  /** A token-auth registry of its own, for tests that stop its token server. */
  public static TestBed startTokenAuth(String name) {
    try {
      Path dir = Files.createTempDirectory("ko-testbed-" + name + "-tokens-");
      TokenServer tokens =
          TokenServer.start(
              dir, "ko-testbed-registry", "ko-testbed-issuer", Map.of("user", "pass"), 300);
      Path cert = dir.resolve("token.pem");
      TestBed bed =
          start(
              name,
              "--token",
              tokens.realm() + "," + tokens.service() + "," + tokens.issuer() + "," + cert,
              "--token-user",
              "user:pass");
      return new TestBed(bed.values, tokens);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start a token-auth test bed", e);
    }
  }

  /** The token server of a {@link #tokenAuth()} bed. */
  public TokenServer tokenServer() {
    if (tokenServer == null) {
      throw new IllegalStateException("this test bed has no token server");
    }
    return tokenServer;
  }

  private static TestBed start(String name, String... flags) {
    try {
      Path dir = Files.createTempDirectory("ko-testbed-" + name + "-");
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  Repo.root().resolve("scripts/testbed.sh").toString(), "start", dir.toString()));
      cmd.addAll(List.of(flags));
      Proc.Result r = Proc.run(Repo.root(), Map.of(), cmd);
      if (r.exit() != 0) {
        throw new IllegalStateException("testbed.sh start failed:\n" + r.stderr());
      }
      Map<String, String> env = readEnv(Path.of(r.stdout().strip()));
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      new ProcessBuilder(
                              Repo.root().resolve("scripts/testbed.sh").toString(),
                              "stop",
                              dir.toString())
                          .redirectErrorStream(true)
                          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                          .start()
                          .waitFor(20, TimeUnit.SECONDS);
                    } catch (IOException | InterruptedException e) {
                      // the JVM is exiting; the registry dies with the session anyway
                    }
                  }));
      return new TestBed(env);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the test bed", e);
    }
  }

  private static Map<String, String> readEnv(Path file) {
    Map<String, String> out = new HashMap<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          out.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
    return out;
  }

  public String get(String key) {
    String v = values.get(key);
    if (v == null) {
      throw new IllegalStateException("test bed has no " + key);
    }
    return v;
  }

  /** {@code 127.0.0.1:PORT}. */
  public String registry() {
    return get("TESTBED_REGISTRY");
  }

  /** The OCI index base (linux/amd64 + linux/arm64/v8). */
  public String base() {
    return get("TESTBED_BASE");
  }

  public Path log() {
    return Path.of(get("TESTBED_LOG"));
  }

  /** A mark in the registry's request log, to count what a command sent. */
  public long logMark() throws IOException {
    return Files.size(log());
  }

  /** Requests completed since {@code mark}, as "METHOD URI" lines. */
  public List<String> requestsSince(long mark) throws IOException {
    byte[] all = Files.readAllBytes(log());
    String text = new String(all, (int) mark, all.length - (int) mark, StandardCharsets.UTF_8);
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      if (!line.contains("msg=\"response completed")) {
        continue;
      }
      out.add(field(line, "http.request.method") + " " + field(line, "http.request.uri"));
    }
    return out;
  }

  private static String field(String line, String key) {
    int i = line.indexOf(key + "=");
    if (i < 0) {
      return "";
    }
    int start = i + key.length() + 1;
    if (line.charAt(start) == '"') {
      int end = line.indexOf('"', start + 1);
      return line.substring(start + 1, end);
    }
    int end = line.indexOf(' ', start);
    return end < 0 ? line.substring(start) : line.substring(start, end);
  }

  /** Pulls one platform of an image with skopeo, unpacks it with umoci and runs its entrypoint. */
  public Proc.Result runImage(String ref, Path workDir, String... archAndVariant)
      throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Repo.root().resolve("scripts/run-image.sh").toString(), ref, workDir.toString()));
    cmd.addAll(List.of(archAndVariant));
    Map<String, String> env = new HashMap<>(Map.of("TESTBED_RUNIMG", get("TESTBED_RUNIMG")));
    if (values.containsKey("TESTBED_USER")) {
      env.put("TESTBED_USER", get("TESTBED_USER"));
      env.put("TESTBED_PASSWORD", get("TESTBED_PASSWORD"));
    }
    return Proc.run(Repo.root(), env, cmd);
  }

  /** {@code skopeo inspect} (config or raw manifest) of a reference on this registry. */
  public String skopeoInspect(String ref, String... extra) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("skopeo", "inspect", "--tls-verify=false"));
    if (values.containsKey("TESTBED_USER")) {
      cmd.add("--creds=" + get("TESTBED_USER") + ":" + get("TESTBED_PASSWORD"));
    }
    cmd.addAll(List.of(extra));
    cmd.add("docker://" + ref);
    Proc.Result r = Proc.run(Repo.root(), Map.of(), cmd);
    if (r.exit() != 0) {
      throw new IOException("skopeo inspect " + ref + " failed: " + r.stderr());
    }
    return r.stdout();
  }

  /** A blob's bytes, fetched with curl (not our client). */
  public byte[] blob(String repository, String digest) throws IOException {
    Path file = Files.createTempFile("blob-", ".bin");
    try {
      List<String> cmd = new ArrayList<>(List.of("curl", "-sfL", "-o", file.toString()));
      if (values.containsKey("TESTBED_CA")) {
        cmd.addAll(List.of("--cacert", get("TESTBED_CA")));
      }
      if (values.containsKey("TESTBED_USER")) {
        cmd.addAll(List.of("-u", get("TESTBED_USER") + ":" + get("TESTBED_PASSWORD")));
      }
      cmd.add(
          get("TESTBED_SCHEME") + "://" + registry() + "/v2/" + repository + "/blobs/" + digest);
      Proc.Result r = Proc.run(Repo.root(), Map.of(), cmd);
      if (r.exit() != 0) {
        throw new IOException(
            "fetching blob " + digest + " from " + repository + " failed: " + r.stderr());
      }
      return Files.readAllBytes(file);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** Tags of a repository, or an empty list when the registry does not know it. */
  public List<String> tags(String repository) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("curl", "-s"));
    if (values.containsKey("TESTBED_CA")) {
      cmd.addAll(List.of("--cacert", get("TESTBED_CA")));
    }
    if (values.containsKey("TESTBED_USER")) {
      cmd.addAll(List.of("-u", get("TESTBED_USER") + ":" + get("TESTBED_PASSWORD")));
    }
    cmd.add(get("TESTBED_SCHEME") + "://" + registry() + "/v2/" + repository + "/tags/list");
    Proc.Result r = Proc.run(Repo.root(), Map.of(), cmd);
    String body = r.stdout();
    List<String> out = new ArrayList<>();
    int i = body.indexOf("\"tags\":[");
    if (i < 0) {
      return out;
    }
    String list = body.substring(i + 8, body.indexOf(']', i));
    for (String t : list.split(",", -1)) {
      if (!t.isBlank()) {
        out.add(t.strip().replace("\"", ""));
      }
    }
    return out;
  }
}
