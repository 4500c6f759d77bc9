package dev.ko.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.testing.GoProgram;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Base configs, manifests and indexes go through {@link ConfigFile}, {@link Manifest} and {@link
 * IndexManifest} (parse, then toJson) and through Go structs shaped like go-containerregistry's
 * (src/test/resources/gojson): the bytes must be equal, since ko re-serialises base configs that
 * way and digests depend on every byte.
 */
class GoJsonCompatTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String D1 = "sha256:" + "a".repeat(64);
  private static final String D2 = "sha256:" + "0123456789abcdef".repeat(4);
  private static final String D3 = "sha256:" + "f".repeat(64);
  private static final String ROOTFS =
      "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + D1 + "\"]}";

  private record Case(String kind, String name, String doc) {}

  private static List<Case> configs() {
    List<Case> c = new ArrayList<>();
    c.add(
        new Case(
            "config",
            "minimal, created missing",
            "{\"architecture\":\"amd64\",\"os\":\"linux\"," + ROOTFS + ",\"config\":{}}"));
    c.add(
        new Case(
            "config",
            "unknown fields are dropped",
            "{\"architecture\":\"amd64\",\"os\":\"linux\",\"container_config\":{\"Cmd\":[\"/bin/sh\"]},"
                + "\"moby.buildkit.buildinfo.v1\":\"e30=\",\"throwaway\":true,\"osversion\":\"x\","
                + ROOTFS
                + ",\"config\":{\"Unknown\":1,\"Env\":[\"PATH=/usr/bin\"]}}"));
    c.add(
        new Case(
            "config",
            "created with +00:00",
            "{\"created\":\"2023-01-02T03:04:05+00:00\",\"os\":\"linux\",\"architecture\":\"arm64\","
                + ROOTFS
                + "}"));
    c.add(
        new Case(
            "config",
            "created with nanoseconds and offsets",
            "{\"created\":\"2023-01-02T03:04:05.123456789Z\",\"os\":\"linux\","
                + ROOTFS
                + ",\"history\":[{\"created\":\"2023-01-02T03:04:05.120Z\",\"created_by\":\"a && b"
                + " > c\"},"
                + "{\"created\":\"2023-01-02T03:04:05+05:30\",\"empty_layer\":true,\"comment\":\"<none>\"},"
                + "{\"created\":\"1999-12-31T23:59:59.5-08:00\",\"author\":\"me\"},{\"created_by\":\"no"
                + " time\"},{\"created\":\"0001-01-01T00:00:00Z\",\"empty_layer\":false}]}"));
    c.add(
        new Case(
            "config",
            "labels with HTML characters and unicode",
            "{\"os\":\"linux\","
                + ROOTFS
                + ",\"config\":{\"Labels\":{\"html\":\"<a href='x'>&amp;</a>\",\"unicode\":\"é 日本"
                + " \u2028 \u2029 😀 \\u00e9 \\ud83d\\ude00\",\"quotes\":\"\\\"q\\\" \\\\ /\","
                + "\"b\\u2028key\":\"v\","
                + "\"a\uff41\":\"fullwidth\",\"a😀\":\"emoji\",\"a\u00e9\":\"latin\",\"aZ\":\"upper\"}}}"));
    c.add(
        new Case(
            "config",
            "control characters",
            "{\"os\":\"linux\","
                + ROOTFS
                + ",\"config\":{\"Env\":[\"A=\\u0001\\u001f\\u0000\",\"B=\\t\\n"
                + "\\r"
                + "\",\"C=\\u007f\\u0080\\u00ff\",\"D=\\u000b\"]}}"));
    c.add(
        new Case(
            "config",
            "a lone surrogate escape becomes U+FFFD",
            "{\"os\":\"linux\","
                + ROOTFS
                + ",\"config\":{\"Env\":[\"A=\\ud800x\",\"B=\\udc00\"]}}"));
    c.add(
        new Case(
            "config",
            "healthcheck, volumes, ports, empty Cmd",
            "{\"architecture\":\"amd64\",\"os\":\"linux\","
                + ROOTFS
                + ",\"config\":{"
                + "\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":30000000000,\"Timeout\":0,"
                + "\"StartInterval\":1000000,\"Retries\":3},"
                + "\"Volumes\":{\"/data\":{},\"/cache\":{\"ignored\":1}},"
                + "\"ExposedPorts\":{\"8080/tcp\":{},\"53/udp\":{}},"
                + "\"Cmd\":[],\"Entrypoint\":null,\"Labels\":null,\"WorkingDir\":\"/app\","
                + "\"User\":\"65532\",\"StopSignal\":\"SIGTERM\",\"ArgsEscaped\":true,\"Tty\":false,"
                + "\"Shell\":[\"/bin/sh\",\"-c\"],\"OnBuild\":[]}}"));
    c.add(
        new Case(
            "config",
            "empty healthcheck object is kept",
            "{\"os\":\"linux\"," + ROOTFS + ",\"config\":{\"Healthcheck\":{}}}"));
    c.add(
        new Case(
            "config",
            "windows os.version, os.features and variant",
            "{\"architecture\":\"amd64\",\"os\":\"windows\",\"os.version\":\"10.0.20348.1\","
                + "\"os.features\":[\"win32k\"],\"variant\":\"v3\","
                + ROOTFS
                + ",\"config\":{}}"));
    c.add(
        new Case(
            "config",
            "field names match case-insensitively",
            "{\"Architecture\":\"arm\",\"OS\":\"linux\",\"Variant\":\"v7\",\"ROOTFS\":{\"Type\":\"layers\","
                + "\"Diff_IDs\":[\""
                + D2
                + "\"]},\"Config\":{\"env\":[\"X=1\"],\"cmd\":[\"run\"],\"user\":\"u\"}}"));
    c.add(
        new Case(
            "config",
            "docker fields and empty lists",
            "{\"architecture\":\"amd64\",\"author\":\"someone <a@b.c>\",\"container\":\"abc\","
                + "\"docker_version\":\"24.0.0\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
                + "\"history\":[],\"os.features\":[],\"config\":{\"Env\":[],\"Labels\":{}}}"));
    return c;
  }

  private static List<Case> manifests() {
    String layer =
        "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"size\":100,\"digest\":\""
            + D2
            + "\"";
    List<Case> c = new ArrayList<>();
    c.add(
        new Case(
            "manifest",
            "OCI manifest with everything",
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":1234,\"digest\":\""
                + D1
                + "\",\"data\":\"e30=\"},"
                + "\"layers\":["
                + layer
                + "},"
                + layer
                + ",\"urls\":[\"https://x/?a=1&b=<2>\"],"
                + "\"annotations\":{\"z\":\"1\",\"a\":\"<&>\"},\"artifactType\":\"application/x\"}],"
                + "\"annotations\":{\"org.opencontainers.image.base.name\":\"cgr.dev/chainguard/static:latest\","
                + "\"a\":\"é\"},"
                + "\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":7,\"digest\":\""
                + D3
                + "\"},\"unknown\":true}"));
    c.add(
        new Case(
            "manifest",
            "Docker manifest",
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":1,\"digest\":\""
                + D1
                + "\"},\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\","
                + "\"size\":5,\"digest\":\""
                + D3
                + "\"}]}"));
    c.add(
        new Case(
            "manifest",
            "no mediaType, descriptor with platform",
            "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":1,"
                + "\"digest\":\""
                + D1
                + "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
                + "\"layers\":[]}"));
    return c;
  }

  private static List<Case> indexes() {
    List<Case> c = new ArrayList<>();
    c.add(
        new Case(
            "index",
            "OCI index with platforms, urls, annotations and artifactType",
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":500,\"digest\":\""
                + D1
                + "\",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"},\"artifactType\":\"application/vnd.oci.image.config.v1+json\"},"
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":501,\"digest\":\""
                + D2
                + "\",\"urls\":[\"https://example.com/a\"],\"annotations\":{\"vnd.x\":\"y\",\"a\":\"b\"},"
                + "\"platform\":{\"os\":\"windows\",\"architecture\":\"amd64\",\"os.version\":\"10.0.17763.1\","
                + "\"os.features\":[\"win32k\"],\"variant\":\"v2\",\"features\":[\"sse4\"]}},"
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":3,\"digest\":\""
                + D3
                + "\","
                + "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"},"
                + "\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"}}],"
                + "\"annotations\":{\"org.opencontainers.image.base.digest\":\""
                + D3
                + "\",\"&\":\"<\"}}"));
    c.add(
        new Case(
            "index",
            "Docker manifest list with subject",
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\","
                + "\"manifests\":[{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"size\":9,"
                + "\"digest\":\""
                + D1
                + "\",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}}],"
                + "\"subject\":{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"size\":2,\"digest\":\""
                + D2
                + "\"}}"));
    return c;
  }

  @TestFactory
  Stream<DynamicTest> documentsRoundTripLikeGo() throws Exception {
    List<Case> cases = new ArrayList<>();
    cases.addAll(configs());
    cases.addAll(manifests());
    cases.addAll(indexes());
    List<Map<String, Object>> requests = new ArrayList<>();
    for (Case c : cases) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("Kind", c.kind());
      r.put("Doc", c.doc().getBytes(StandardCharsets.UTF_8));
      requests.add(r);
    }
    JsonNode results = JSON.readTree(GoProgram.of("gojson").run(JSON.writeValueAsBytes(requests)));
    Map<String, Function<byte[], byte[]>> ours =
        Map.of(
            "config", doc -> ConfigFile.parse(doc).toJson(),
            "manifest", doc -> Manifest.parse(doc, null).toJson(),
            "index", doc -> IndexManifest.parse(doc, null).toJson());

    List<DynamicTest> tests = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      JsonNode result = results.get(i);
      tests.add(
          dynamicTest(
              c.kind() + ": " + c.name(),
              () -> {
                assertThat(result.path("Err").asText()).as("Go's error").isEmpty();
                String go = new String(result.path("Out").binaryValue(), StandardCharsets.UTF_8);
                String java =
                    new String(
                        ours.get(c.kind()).apply(c.doc().getBytes(StandardCharsets.UTF_8)),
                        StandardCharsets.UTF_8);
                assertThat(java).isEqualTo(go);
              }));
    }
    return tests.stream();
  }

  @Test
  void backspaceAndFormFeedUseShortEscapesAsGo122AndLaterDo() {
    // Go 1.22 changed encoding/json to write \b and \f (earlier releases, like this machine's Go
    // 1.19, wrote \u0008 and \u000c); ko releases are built with current Go, so we follow it.
    byte[] out =
        ConfigFile.parse(
                ("{\"os\":\"linux\"," + ROOTFS + ",\"config\":{\"Env\":[\"A=\\b\\f\"]}}")
                    .getBytes(StandardCharsets.UTF_8))
            .toJson();
    assertThat(new String(out, StandardCharsets.UTF_8)).contains("\"Env\":[\"A=\\b\\f\"]");
  }

  @Test
  void aZeroCreatedTimeIsWrittenAsGoDoes() {
    byte[] out =
        ConfigFile.parse(("{\"os\":\"linux\"," + ROOTFS + "}").getBytes(StandardCharsets.UTF_8))
            .toJson();
    assertThat(new String(out, StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"architecture\":\"\",\"created\":\"0001-01-01T00:00:00Z\",\"os\":\"linux\","
                + ROOTFS
                + ",\"config\":{}}");
  }
}
