package dev.ko.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.attest.GitSource;
import dev.ko.build.BaseImages.Base;
import dev.ko.concurrent.TaskGroup;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.Image;
import dev.ko.oci.ImageIndex;
import dev.ko.oci.Platform;
import dev.ko.process.ExternalCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The build cache key of an import path: a sha256 over a versioned, canonical list of every input
 * that decides the image's bytes (see README "Build cache"). Everything is hashed by content, never
 * by absolute path, so two checkouts of one commit on two machines get one key. A key computed from
 * less than the real inputs would be a wrong image, so an input that cannot be read (a package with
 * errors, say) fails the key, and the caller builds without the cache.
 */
final class BuildKeys {
  /** Bumped whenever what goes into the key, or how, changes. */
  static final String SCHEME = "ko-jvm build cache key v3";

  /** File lists of {@code go list -json} that the go command reads to build a package. */
  private static final List<String> FILE_LISTS =
      List.of(
          "GoFiles",
          "CgoFiles",
          "CFiles",
          "CXXFiles",
          "MFiles",
          "HFiles",
          "FFiles",
          "SFiles",
          "SwigFiles",
          "SwigCXXFiles",
          "SysoFiles",
          "EmbedFiles");

  /**
   * Variables go reads that only say where things are kept, not what is built (with -trimpath, ko's
   * default, paths do not reach the binary): left out so that two machines share keys.
   */
  private static final Set<String> LOCATIONS =
      Set.of(
          "GOCACHE",
          "GOMODCACHE",
          "GOPATH",
          "GOTMPDIR",
          "GOENV",
          "GOROOT",
          "GOTOOLDIR",
          "GOCACHEPROG",
          "GOPROXY",
          "GONOPROXY",
          "GONOSUMDB",
          "GONOSUMCHECK",
          "GOSUMDB",
          "GOPRIVATE",
          "GOINSECURE",
          "GOAUTH",
          "GOVCS");

  /** What {@code go env} reports that decides the output, whether set in the process or not. */
  private static final List<String> GO_ENV =
      List.of(
          "GOVERSION",
          "GOOS",
          "GOARCH",
          "GOARM",
          "GOARM64",
          "GOAMD64",
          "GO386",
          "GOMIPS",
          "GOMIPS64",
          "GOPPC64",
          "GORISCV64",
          "GOWASM",
          "CGO_ENABLED",
          "GOFLAGS",
          "GOEXPERIMENT",
          "GOFIPS140",
          "GO111MODULE",
          "GOTOOLCHAIN",
          "CC",
          "CXX",
          "AR",
          "PKG_CONFIG",
          "CGO_CFLAGS",
          "CGO_CPPFLAGS",
          "CGO_CXXFLAGS",
          "CGO_FFLAGS",
          "CGO_LDFLAGS");

  /** Variables go reads that {@code go env} does not report. */
  private static final Set<String> READ_BY_GO = Set.of("GODEBUG");

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final BuildOptions options;
  private final GoToolchain go;
  private final GoPackages packages;
  private final BaseImages bases;
  private final PlatformMatcher matcher;

  BuildKeys(
      BuildOptions options,
      GoToolchain go,
      GoPackages packages,
      BaseImages bases,
      PlatformMatcher matcher) {
    this.options = options;
    this.go = go;
    this.packages = packages;
    this.bases = bases;
    this.matcher = matcher;
  }

  /**
   * The keys of a build: the whole artifact's, and each platform image's by {@link #childKey}. A
   * platform image's key is over every input shared by all platforms (base, options, kodata, vcs)
   * and its own platform's (Go environment, flags, {@code go list -deps} files); the whole key is
   * over the shared inputs and every platform key.
   */
  record Keys(String whole, Map<String, String> platforms) {
    /** The key of the image built on the base child {@code baseChild} for {@code platform}. */
    Optional<String> platform(Digest baseChild, Platform platform) {
      return Optional.ofNullable(platforms.get(childKey(baseChild, platform)));
    }
  }

  private final ConcurrentMap<String, CompletableFuture<Keys>> computed = new ConcurrentHashMap<>();

  /** The keys of the image {@code reference} would build to, computed once per reference. */
  CompletableFuture<Keys> key(
      String reference, String importPath, String version, TaskGroup tasks) {
    return computed.computeIfAbsent(
        version + " " + reference,
        k ->
            tasks.then(
                bases.get(importPath), base -> compute(reference, importPath, version, base)));
  }

  /**
   * The keys of {@code reference} when some caller has computed them already and they could be
   * computed; empty otherwise (no build cache, or a key that failed).
   */
  Optional<Keys> known(String reference, String version) {
    CompletableFuture<Keys> f = computed.get(version + " " + reference);
    if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
      return Optional.empty();
    }
    return Optional.of(f.join());
  }

  private static String childKey(Digest baseChild, Platform platform) {
    return baseChild + " " + platform;
  }

  private Keys compute(String reference, String importPath, String version, Base base)
      throws IOException {
    Canonical c = new Canonical();
    c.put("scheme", SCHEME);
    c.put("ko-jvm", version);
    c.put("reference", reference);
    c.put("base.name", base.reference().name());
    c.put("base.digest", base.artifact().digest().toString());
    BuildConfig config = packages.config(importPath);
    c.put("config.capabilities", config == null ? "" : config.linuxCapabilities().toString());
    c.put("options.creationTime", String.valueOf(options.creationTime()));
    c.put("options.kodataCreationTime", String.valueOf(options.kodataCreationTime()));
    c.put("options.labels", options.labels().toString());
    c.put("options.annotations", options.annotations().toString());
    c.put("options.user", options.user());
    c.put("options.platforms", options.platforms().toString());
    // Not the --sbom-dir directory: where copies of the SBOMs are written changes no image.
    c.put(
        "options.sbom",
        options.sbom().enabled()
            + " "
            + options.sbom().format()
            + " "
            + options.sbom().toolVersion());
    if (!options.supplyChain().equals(SupplyChain.NONE)) {
      c.put("options.supplyChain", options.supplyChain().toString());
    }
    c.put("options.kodataAllowedRoot", options.kodataAllowedRoot().isEmpty() ? "" : "set");
    kodata(c, importPath);
    Path dir = packages.directoryFor(importPath);
    vcs(c, dir);
    if (options.supplyChain().sourceAnnotations()) {
      // The source annotation names the remote, which neither the commit nor the status holds.
      c.put(
          "vcs.remote",
          GitSource.read(dir, options.environment()).map(GitSource::remote).orElse("none"));
    }
    Canonical whole = c.copy();
    whole.put("entry", "artifact");
    Map<String, String> platformKeys = new TreeMap<>();
    for (Map.Entry<Digest, Platform> child : platforms(base)) {
      Canonical p = c.copy();
      p.put("entry", "platform image");
      p.put("base.child", child.getKey().toString());
      platform(p, importPath, config, dir, child.getValue());
      String key = p.hex();
      platformKeys.put(childKey(child.getKey(), child.getValue()), key);
      whole.put("platform " + childKey(child.getKey(), child.getValue()), key);
    }
    return new Keys(whole.hex(), Map.copyOf(platformKeys));
  }

  /**
   * The base images the image will be built on, by digest, each with its platform: the base's,
   * filtered as the builder does.
   */
  private List<Map.Entry<Digest, Platform>> platforms(Base base) throws IOException {
    List<Map.Entry<Digest, Platform>> out = new ArrayList<>();
    if (base.artifact() instanceof ImageIndex index) {
      for (Descriptor d : index.indexManifest().manifests()) {
        if (matcher.matches(d.platform())) {
          out.add(
              Map.entry(d.digest(), d.platform() == null ? Platform.LINUX_AMD64 : d.platform()));
        }
      }
    } else {
      Image image = (Image) base.artifact();
      out.add(Map.entry(image.digest(), Platforms.ofBaseConfig(image.configFile().platform())));
    }
    return out;
  }

  private void platform(
      Canonical c, String importPath, BuildConfig config, Path dir, Platform platform)
      throws IOException {
    String at = "platform " + platform + ".";
    c.put(at + "platform", platform.toString());
    Map<String, String> env = BuildSettings.environment(options, config, platform);
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      String k = e.getKey();
      // Only what go reads: another GO_SOMETHING variable (a wrapper's, say) changes nothing.
      if ((GO_ENV.contains(k) || READ_BY_GO.contains(k)) && !LOCATIONS.contains(k)) {
        c.put(at + "env." + k, e.getValue());
      }
    }
    List<String> flags = packages.goBuildFlags(importPath, env);
    c.put(at + "flags", String.join("\u0000", flags));
    List<String> envArgs = new ArrayList<>(List.of("env", "-json"));
    envArgs.addAll(GO_ENV);
    envArgs.add("GOWORK");
    JsonNode goEnv = MAPPER.readTree(go.output(dir, env, envArgs));
    for (String k : GO_ENV) {
      c.put(at + "go env." + k, goEnv.path(k).asText(""));
    }
    String work = goEnv.path("GOWORK").asText("");
    if (!work.isEmpty() && !work.equals("off")) {
      c.file(at + "go.work", Path.of(work));
      c.file(at + "go.work.sum", Path.of(work).resolveSibling("go.work.sum"));
    }
    List<String> listArgs = new ArrayList<>(List.of("list", "-deps", "-json"));
    listArgs.addAll(listFlags(flags));
    listArgs.add(importPath);
    byte[] listed = go.output(dir, env, listArgs);
    Set<String> goMods = new TreeSet<>();
    try (MappingIterator<JsonNode> it = MAPPER.readerFor(JsonNode.class).readValues(listed)) {
      while (it.hasNext()) {
        JsonNode p = it.next();
        String ip = p.path("ImportPath").asText("");
        if (p.has("Error") || p.path("Incomplete").asBoolean(false)) {
          throw new IOException("package " + ip + " has errors: its key cannot be computed");
        }
        if (p.path("Standard").asBoolean(false)) {
          continue; // the standard library is the toolchain's, which GOVERSION names
        }
        String pkg = at + "package " + ip + ".";
        JsonNode m = p.path("Module");
        if (!m.isMissingNode()) {
          c.put(pkg + "module", m.path("Path").asText("") + "@" + m.path("Version").asText(""));
          c.put(pkg + "module.sum", m.path("Sum").asText(""));
          JsonNode r = m.path("Replace");
          c.put(
              pkg + "module.replace",
              r.isMissingNode()
                  ? ""
                  : r.path("Path").asText("") + "@" + r.path("Version").asText(""));
          String goMod = m.path("GoMod").asText("");
          if (!goMod.isEmpty()) {
            goMods.add(goMod);
          }
        }
        Path pdir = Path.of(p.path("Dir").asText("."));
        for (String list : FILE_LISTS) {
          for (JsonNode f : p.path(list)) {
            c.file(pkg + list + "." + f.asText(), pdir.resolve(f.asText()));
          }
        }
      }
    }
    // go.mod files by content (their paths differ between machines), go.sum beside each.
    List<String> modHashes = new ArrayList<>();
    for (String goMod : goMods) {
      Path mod = Path.of(goMod);
      modHashes.add(sha256(mod) + " " + sha256(mod.resolveSibling("go.sum")));
    }
    modHashes.sort(null);
    c.put(at + "go.mod and go.sum", String.join(",", modHashes));
  }

  /** The build flags {@code go list} accepts too, for the same file selection. */
  private static List<String> listFlags(List<String> flags) {
    List<String> out = new ArrayList<>();
    for (String f : flags) {
      if (f.startsWith("-tags") || f.startsWith("--tags") || f.startsWith("-mod")) {
        out.add(f);
      }
    }
    return out;
  }

  private void kodata(Canonical c, String importPath) throws IOException {
    GoPackage pkg = packages.get(importPath);
    Path kodataDir = pkg.dir().resolve("kodata");
    Path root = AppLayers.allowedRoot(kodataDir, options.kodataAllowedRoot());
    for (AppLayers.KodataEntry e : AppLayers.scanKodata(kodataDir, root, false, name -> {})) {
      if (e.directory()) {
        c.put("kodata." + e.name(), "dir");
      } else {
        c.put(
            "kodata." + e.name(),
            (Files.isExecutable(e.source()) ? "x " : "- ") + sha256(e.source()));
      }
    }
  }

  /**
   * go stamps the commit, its time and whether the tree is modified into the binary (-buildvcs):
   * they are in the key, so an uncommitted change is never served from a clean build.
   */
  private static void vcs(Canonical c, Path dir) {
    try {
      ExternalCommand git = new ExternalCommand("git", Map.of()).in(dir);
      ExternalCommand.Result head = git.run(List.of("log", "-1", "--format=%H %ct"));
      ExternalCommand.Result status = git.run(List.of("status", "--porcelain"));
      c.put("vcs.head", head.exit() == 0 ? head.stdoutText().strip() : "none");
      c.put("vcs.status", status.exit() == 0 ? status.stdoutText() : "none");
    } catch (IOException e) {
      c.put("vcs.head", "none");
    }
  }

  static String sha256(Path file) throws IOException {
    if (!Files.exists(file)) {
      return "absent";
    }
    return Digest.of(Files.readAllBytes(file)).hex();
  }

  /** Name/value lines, each length-prefixed so no value can be read as another. */
  private static final class Canonical {
    private final MessageDigest sha;

    Canonical() {
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    private Canonical(MessageDigest sha) {
      this.sha = sha;
    }

    /** A canonical list that goes on from what this one holds so far. */
    Canonical copy() {
      try {
        return new Canonical((MessageDigest) sha.clone());
      } catch (CloneNotSupportedException e) {
        throw new IllegalStateException(e);
      }
    }

    void put(String name, String value) {
      for (String s : List.of(name, value)) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        sha.update((b.length + ":").getBytes(StandardCharsets.US_ASCII));
        sha.update(b);
      }
    }

    void file(String name, Path file) throws IOException {
      put(name, sha256(file));
    }

    String hex() {
      return HexFormat.of().formatHex(sha.digest());
    }
  }
}
