package dev.ko.attest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ko.oci.Attachment;
import dev.ko.oci.Digest;
import dev.ko.oci.MediaType;
import dev.ko.sbom.GoModule;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * SLSA provenance v1 predicates ({@value #PREDICATE_TYPE}) of ko builds: one per image (one {@code
 * go build}) and one per index (its images). The build attaches the predicate as the {@value
 * #ATTACHMENT} attachment; {@link Attestor} makes the statement once the subject's repository is
 * known.
 */
public final class Provenance {
  public static final String PREDICATE_TYPE = "https://slsa.dev/provenance/v1";

  /** The build type: the parameters below, as the README's "Supply chain" section documents. */
  public static final String BUILD_TYPE = "https://github.com/ko-build/ko-jvm/go-build/v1";

  /** Our builder id. */
  public static final String BUILDER_ID = "https://github.com/ko-build/ko-jvm";

  /** The name of the build-time attachment that carries the predicate to {@link Attestor}. */
  public static final String ATTACHMENT = "slsa-provenance-predicate";

  /** The Go environment that decides the binary; nothing else of the environment is recorded. */
  public static final Set<String> GO_ENV =
      Set.of(
          "GOOS",
          "GOARCH",
          "GOARM",
          "GOAMD64",
          "GOARM64",
          "GO386",
          "GOMIPS",
          "GOMIPS64",
          "GOPPC64",
          "GORISCV64",
          "GOWASM",
          "CGO_ENABLED",
          "GOFLAGS",
          "GOEXPERIMENT");

  private static final ObjectMapper JSON = new ObjectMapper();

  private Provenance() {}

  /**
   * What one platform's build did.
   *
   * @param reference the {@code ko://} reference
   * @param goBuild the go arguments after {@code go}: {@code build}, the flags (with {@code
   *     -ldflags}), the import path; {@code -o} and its cache path are left out
   * @param environment the build's environment; only {@link #GO_ENV} is recorded
   * @param goVersion {@code go1.19.8}
   * @param baseName the base image's reference as named (tag or digest), beside its digest
   */
  public record Build(
      String toolVersion,
      String reference,
      String platform,
      List<String> goBuild,
      Map<String, String> environment,
      String goVersion,
      String output,
      Optional<GitSource> source,
      String baseName,
      Digest baseDigest,
      List<GoModule> modules,
      Instant started,
      Instant finished) {
    public Build {
      goBuild = List.copyOf(goBuild);
      environment = Map.copyOf(environment);
      modules = List.copyOf(modules);
    }
  }

  /** One image's predicate JSON. */
  public static byte[] image(Build b) throws IOException {
    ObjectNode predicate = JSON.createObjectNode();
    ObjectNode def = predicate.putObject("buildDefinition");
    def.put("buildType", BUILD_TYPE);
    ObjectNode external = def.putObject("externalParameters");
    external.put("reference", b.reference());
    external.put("platform", b.platform());
    b.source().ifPresent(s -> external.set("source", source(s)));
    ObjectNode internal = def.putObject("internalParameters");
    ObjectNode go = internal.putObject("goBuild");
    ArrayNode command = go.putArray("command").add("go");
    b.goBuild().forEach(command::add);
    go.put("output", b.output());
    ObjectNode env = go.putObject("env");
    new TreeMap<>(b.environment())
        .forEach(
            (k, v) -> {
              if (GO_ENV.contains(k)) {
                env.put(k, v);
              }
            });
    internal.put("goVersion", b.goVersion());
    ArrayNode deps = def.putArray("resolvedDependencies");
    b.source().ifPresent(s -> deps.add(source(s)));
    deps.add(base(b.baseName(), b.baseDigest()));
    for (GoModule m : b.modules()) {
      ObjectNode dep = deps.addObject();
      dep.put("uri", "pkg:golang/" + m.path() + "@" + m.version());
      dep.put("name", m.path());
      Optional<String> dirHash = dirHash(m.sum());
      if (dirHash.isPresent()) {
        dep.putObject("digest").put("dirHash", dirHash.get());
        dep.putObject("annotations").put("goSum", m.sum());
      }
    }
    runDetails(predicate, b.toolVersion(), b.started(), b.finished());
    return JSON.writeValueAsBytes(predicate);
  }

  /**
   * An index's predicate: the platforms built, the base index and each image (by platform and
   * digest), the earliest start and the latest finish.
   *
   * @param images platform to image digest, in the index's order
   */
  public static byte[] index(
      String toolVersion,
      String reference,
      Optional<GitSource> source,
      String baseName,
      Digest baseDigest,
      SortedMap<String, Digest> images,
      Instant started,
      Instant finished)
      throws IOException {
    ObjectNode predicate = JSON.createObjectNode();
    ObjectNode def = predicate.putObject("buildDefinition");
    def.put("buildType", BUILD_TYPE);
    ObjectNode external = def.putObject("externalParameters");
    external.put("reference", reference);
    ArrayNode platforms = external.putArray("platforms");
    images.keySet().forEach(platforms::add);
    source.ifPresent(s -> external.set("source", source(s)));
    ArrayNode deps = def.putArray("resolvedDependencies");
    source.ifPresent(s -> deps.add(source(s)));
    deps.add(base(baseName, baseDigest));
    images.forEach(
        (platform, digest) -> {
          ObjectNode image = deps.addObject();
          image.put("name", "image " + platform);
          image.putObject("digest").put(digest.algorithm(), digest.hex());
        });
    runDetails(predicate, toolVersion, started, finished);
    return JSON.writeValueAsBytes(predicate);
  }

  /** The attachment that carries {@code predicate} from the build to {@link Attestor}. */
  public static Attachment attachment(byte[] predicate) {
    return new Attachment(ATTACHMENT, new MediaType("application/json"), predicate);
  }

  private static ObjectNode source(GitSource s) {
    ObjectNode node = JSON.createObjectNode();
    node.put("uri", s.remote().isEmpty() ? "git" : "git+" + s.remote());
    node.putObject("digest").put("gitCommit", s.commit());
    node.putObject("annotations").put("dirty", s.dirty());
    return node;
  }

  private static ObjectNode base(String name, Digest digest) {
    ObjectNode node = JSON.createObjectNode();
    node.put("uri", "docker://" + name);
    node.put("name", "base image");
    node.putObject("digest").put(digest.algorithm(), digest.hex());
    return node;
  }

  private static void runDetails(
      ObjectNode predicate, String toolVersion, Instant started, Instant finished) {
    ObjectNode run = predicate.putObject("runDetails");
    ObjectNode builder = run.putObject("builder");
    builder.put("id", BUILDER_ID);
    builder.putObject("version").put("ko-jvm", toolVersion);
    ObjectNode metadata = run.putObject("metadata");
    metadata.put("startedOn", started.truncatedTo(ChronoUnit.SECONDS).toString());
    metadata.put("finishedOn", finished.truncatedTo(ChronoUnit.SECONDS).toString());
  }

  /**
   * {@code h1:<base64>} as the in-toto {@code dirHash} (lowercase hex); empty for anything else.
   */
  static Optional<String> dirHash(String sum) {
    if (!sum.startsWith("h1:")) {
      return Optional.empty();
    }
    try {
      return Optional.of(HexFormat.of().formatHex(Base64.getDecoder().decode(sum.substring(3))));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
