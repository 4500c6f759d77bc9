package dev.ko.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.build.BuildOptions;
import dev.ko.name.Registry;
import dev.ko.oci.Platform;
import dev.ko.publish.PublishOptions;
import dev.ko.testing.RecordingLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resolver's precedence (flag over {@code KO_*} variable over {@code .ko.yaml} over default)
 * for a few representative options, and that its checks come before anything is built. No go, no
 * registry: resolution does no more than read files and the environment.
 */
class OptionsResolverTest {
  @TempDir Path dir;

  private final RecordingLog log = new RecordingLog();
  private final Map<String, String> env = new HashMap<>();

  private Options resolve(Flags.Build build, Flags.Publish publish) throws Exception {
    env.putIfAbsent("KOCACHE", dir.resolve("cache").toString());
    Path temp = Files.createDirectories(dir.resolve("temp"));
    return new OptionsResolver(new Env(env), dir, "v-test", log).resolve(build, publish, temp);
  }

  private Options resolve() throws Exception {
    env.putIfAbsent("KO_DOCKER_REPO", "registry.example.com/team");
    return resolve(Flags.Build.DEFAULTS, Flags.Publish.DEFAULTS);
  }

  private BuildOptions build(Flags.Build flags) throws Exception {
    env.putIfAbsent("KO_DOCKER_REPO", "registry.example.com/team");
    return resolve(flags, Flags.Publish.DEFAULTS).build();
  }

  private void koYaml(String text) throws Exception {
    Files.writeString(dir.resolve(".ko.yaml"), text);
  }

  private static Flags.Build platformFlag(String... platforms) {
    Flags.Build d = Flags.Build.DEFAULTS;
    return new Flags.Build(
        d.jobs(),
        d.disableOptimizations(),
        d.ldflags(),
        d.sbom(),
        d.sbomDir(),
        List.of(platforms),
        d.imageLabels(),
        d.imageAnnotations(),
        d.imageUser(),
        d.debug());
  }

  private static Flags.Publish publishFlags(List<String> tags, boolean push, boolean local) {
    Flags.Publish d = Flags.Publish.DEFAULTS;
    return new Flags.Publish(
        tags,
        d.tagOnly(),
        push,
        local,
        d.insecureRegistry(),
        d.ociLayoutPath(),
        d.tarball(),
        d.imageRefs(),
        d.preserveImportPaths(),
        d.baseImportPaths(),
        d.bare(),
        d.signKey(),
        d.cacheRepo(),
        d.referrers());
  }

  // ------------------------------------------------------------ precedence

  @Test
  void platformsFlagBeatsEnvBeatsFileBeatsDefault() throws Exception {
    assertThat(build(Flags.Build.DEFAULTS).platforms()).containsExactly("linux/amd64");
    koYaml("defaultPlatforms: [linux/s390x]\n");
    assertThat(build(Flags.Build.DEFAULTS).platforms()).containsExactly("linux/s390x");
    env.put("KO_DEFAULTPLATFORMS", "linux/arm64,linux/amd64");
    assertThat(build(Flags.Build.DEFAULTS).platforms()).containsExactly("linux/arm64,linux/amd64");
    assertThat(build(platformFlag("linux/ppc64le")).platforms()).containsExactly("linux/ppc64le");
  }

  private static Flags.Build supplyChainFlags(Boolean provenance, Boolean sourceAnnotations) {
    Flags.Build d = Flags.Build.DEFAULTS;
    return new Flags.Build(
        d.jobs(),
        d.disableOptimizations(),
        d.ldflags(),
        d.sbom(),
        d.sbomDir(),
        d.platforms(),
        d.imageLabels(),
        d.imageAnnotations(),
        d.imageUser(),
        d.debug(),
        provenance,
        sourceAnnotations);
  }

  @Test
  void provenanceAndSourceAnnotationsFlagBeatsEnvBeatsFileAndAreOffByDefault() throws Exception {
    assertThat(build(Flags.Build.DEFAULTS).supplyChain())
        .isEqualTo(new dev.ko.build.SupplyChain(false, false, "v-test"));
    koYaml("provenance: true\nsourceAnnotations: true\n");
    assertThat(build(Flags.Build.DEFAULTS).supplyChain())
        .isEqualTo(new dev.ko.build.SupplyChain(true, true, "v-test"));
    env.put("KO_PROVENANCE", "false");
    assertThat(build(Flags.Build.DEFAULTS).supplyChain().provenance()).isFalse();
    assertThat(build(supplyChainFlags(true, false)).supplyChain())
        .isEqualTo(new dev.ko.build.SupplyChain(true, false, "v-test"));
    env.put("KO_SOURCEANNOTATIONS", "yes");
    assertThatThrownBy(() -> build(Flags.Build.DEFAULTS))
        .hasMessage("KO_SOURCEANNOTATIONS \"yes\": want true or false (as --source-annotations)");
  }

  private static java.util.Optional<Path> signKey(Options o) {
    return ((PublishOptions.Outputs) o.publish().destination()).push().orElseThrow().signKey();
  }

  private static Flags.Publish signKeyFlag(String file) {
    Flags.Publish d = Flags.Publish.DEFAULTS;
    return new Flags.Publish(
        d.tags(),
        d.tagOnly(),
        d.push(),
        d.local(),
        d.insecureRegistry(),
        d.ociLayoutPath(),
        d.tarball(),
        d.imageRefs(),
        d.preserveImportPaths(),
        d.baseImportPaths(),
        d.bare(),
        file,
        d.cacheRepo(),
        d.referrers());
  }

  @Test
  void signKeyFlagBeatsEnvBeatsFileResolvedAgainstTheFilesDirectory() throws Exception {
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(conf.resolve("file.pem"), "x");
    Files.writeString(dir.resolve("env.pem"), "x");
    Files.writeString(dir.resolve("flag.pem"), "x");
    Files.writeString(conf.resolve(".ko.yaml"), "signKey: file.pem\n");
    env.put("KO_CONFIG_PATH", conf.resolve(".ko.yaml").toString());
    env.put("KO_DOCKER_REPO", "registry.example.com/team");
    assertThat(signKey(resolve())).contains(conf.resolve("file.pem"));
    env.put("KO_SIGN_KEY", "env.pem");
    assertThat(signKey(resolve())).contains(dir.resolve("env.pem"));
    Flags.Publish withFlag = signKeyFlag("flag.pem");
    assertThat(signKey(resolve(Flags.Build.DEFAULTS, withFlag))).contains(dir.resolve("flag.pem"));
    env.remove("KO_SIGN_KEY");
    Files.writeString(conf.resolve(".ko.yaml"), "\nsignKey: gone.pem\n");
    assertThatThrownBy(this::resolve)
        .hasMessage(conf.resolve(".ko.yaml") + ":2: signKey gone.pem: no such file");
  }

  @Test
  void withNoPlatformAnywhereGoosAndGoarchDecide() throws Exception {
    env.put("GOOS", "linux");
    env.put("GOARCH", "arm");
    env.put("GOARM", "7");
    assertThat(build(Flags.Build.DEFAULTS).platforms()).containsExactly("linux/arm/v7");
  }

  @Test
  void baseImageEnvBeatsFileBeatsDefault() throws Exception {
    assertThat(build(Flags.Build.DEFAULTS).defaultBaseImage())
        .isEqualTo(BuildOptions.DEFAULT_BASE_IMAGE);
    koYaml("defaultBaseImage: registry.example.com/file-base:1\n");
    assertThat(build(Flags.Build.DEFAULTS).defaultBaseImage())
        .isEqualTo("registry.example.com/file-base:1");
    env.put("KO_DEFAULTBASEIMAGE", "registry.example.com/env-base:2");
    assertThat(build(Flags.Build.DEFAULTS).defaultBaseImage())
        .isEqualTo("registry.example.com/env-base:2");
  }

  @Test
  void ldflagsFlagIsKeptApartFromTheDefaultsWithTheirOrigins() throws Exception {
    koYaml("defaultLdflags: [-s]\n");
    BuildOptions fromFile = build(Flags.Build.DEFAULTS);
    assertThat(fromFile.defaultLdflags()).containsExactly("-s");
    assertThat(fromFile.origin("defaultLdflags"))
        .isEqualTo(dir.resolve(".ko.yaml") + ":1: defaultLdflags");
    env.put("KO_DEFAULTLDFLAGS", "-w -X main.v=env");
    BuildOptions fromEnv = build(Flags.Build.DEFAULTS);
    assertThat(fromEnv.defaultLdflags()).containsExactly("-w", "-X", "main.v=env");
    assertThat(fromEnv.origin("defaultLdflags")).isEqualTo("KO_DEFAULTLDFLAGS");
    Flags.Build d = Flags.Build.DEFAULTS;
    BuildOptions fromFlag =
        build(
            new Flags.Build(
                d.jobs(),
                d.disableOptimizations(),
                List.of("-X main.v=flag"),
                d.sbom(),
                d.sbomDir(),
                d.platforms(),
                d.imageLabels(),
                d.imageAnnotations(),
                d.imageUser(),
                d.debug()));
    assertThat(fromFlag.ldflags()).containsExactly("-X main.v=flag");
    assertThat(fromFlag.origin("ldflags")).isEqualTo("--ldflags");
  }

  @Test
  void jobsFlagBeatsTheNumberOfCoresWhichAlsoBoundsUploads() throws Exception {
    Options defaults = resolve();
    assertThat(defaults.build().jobs()).isEqualTo(Runtime.getRuntime().availableProcessors());
    Flags.Build d = Flags.Build.DEFAULTS;
    Options two =
        resolve(
            new Flags.Build(
                2,
                d.disableOptimizations(),
                d.ldflags(),
                d.sbom(),
                d.sbomDir(),
                d.platforms(),
                d.imageLabels(),
                d.imageAnnotations(),
                d.imageUser(),
                d.debug()),
            Flags.Publish.DEFAULTS);
    assertThat(two.build().jobs()).isEqualTo(2);
    assertThat(((PublishOptions.Outputs) two.publish().destination()).push().orElseThrow())
        .extracting(PublishOptions.Push::maxUploads)
        .isEqualTo(2);
  }

  @Test
  void whatTheBuildReadsFromTheEnvironmentIsResolvedIntoTheRecord() throws Exception {
    env.put("KO_GO_PATH", "/opt/go/bin/go");
    env.put("KO_DATA_PATH_ALLOWED_ROOT", "/srv");
    env.put("SOURCE_DATE_EPOCH", "1700000000");
    env.put("TZ", "UTC");
    BuildOptions o = build(Flags.Build.DEFAULTS);
    assertThat(o.goCommand()).isEqualTo("/opt/go/bin/go");
    assertThat(o.kodataAllowedRoot()).isEqualTo("/srv");
    assertThat(o.creationTime().epochSecond()).isEqualTo(1700000000);
    assertThat(o.zone().getId()).isEqualTo("UTC");
    assertThat(o.environment()).containsEntry("KO_GO_PATH", "/opt/go/bin/go");
    assertThat(o.cacheDirectory()).isEqualTo(dir.resolve("cache")).isDirectory();
  }

  // ------------------------------------------------------------ publish destination

  @Test
  void localFlagBeatsARegistryRepositoryAndTagsLoseDuplicates() throws Exception {
    env.put("KO_DOCKER_REPO", "registry.example.com/team");
    env.put("GOARCH", "arm64");
    PublishOptions p =
        resolve(Flags.Build.DEFAULTS, publishFlags(List.of("v1", "v2", "v1"), true, true))
            .publish();
    assertThat(p.destination()).isInstanceOf(PublishOptions.Daemon.class);
    assertThat(p.repository()).isEqualTo("registry.example.com/team");
    assertThat(p.tags()).containsExactly("v1", "v2");
    assertThat(p.localPlatform()).isEqualTo(Platform.of("linux", "arm64", ""));
  }

  @Test
  void theRepositoryChoosesKindOrTheRegistry() throws Exception {
    env.put("KO_DOCKER_REPO", "kind.local");
    env.put("KIND_CLUSTER_NAME", "dev");
    env.put("KIND_EXPERIMENTAL_PROVIDER", "podman");
    PublishOptions kind = resolve().publish();
    assertThat(((PublishOptions.Kind) kind.destination()).cluster())
        .extracting(c -> c.provider() + " " + c.name())
        .isEqualTo("podman dev");

    env.put("KO_DOCKER_REPO", "registry.example.com:5000/team");
    env.put("COSIGN_REPOSITORY", "registry.example.com:5000/sboms");
    PublishOptions.Push push =
        ((PublishOptions.Outputs) resolve().publish().destination()).push().orElseThrow();
    assertThat(push.registry()).isEqualTo(Registry.parse("registry.example.com:5000"));
    assertThat(push.attachmentRepository().orElseThrow().name())
        .isEqualTo("registry.example.com:5000/sboms");

    PublishOptions noPush =
        resolve(Flags.Build.DEFAULTS, publishFlags(List.of("latest"), false, false)).publish();
    assertThat(((PublishOptions.Outputs) noPush.destination()).isEmpty()).isTrue();
  }

  // ------------------------------------------------------------ checks, before anything is built

  @Test
  void everyCheckHappensDuringResolution() throws Exception {
    assertThatThrownBy(
            () -> resolve(Flags.Build.DEFAULTS, publishFlags(List.of("bad tag!"), true, false)))
        .hasMessageStartingWith("invalid tag \"bad tag!\": ");
    assertThatThrownBy(() -> resolve(Flags.Build.DEFAULTS, Flags.Publish.DEFAULTS))
        .hasMessage("KO_DOCKER_REPO environment variable is unset");
    env.put("KO_DOCKER_REPO", "registry.example.com/team");
    env.put("GOOS", "");
    assertThatThrownBy(() -> build(platformFlag("linux/amd64")))
        .hasMessageEndingWith(" combined with GOOS=\"\"");
    env.remove("GOOS");
    assertThatThrownBy(() -> build(platformFlag("linux/amd64/v3/x")))
        .hasMessage("invalid platform \"linux/amd64/v3/x\": want os[/arch[/variant]][:osversion]");
    env.put("GOFLAGS", "-toolexec=/bin/true");
    assertThatThrownBy(() -> build(Flags.Build.DEFAULTS))
        .hasMessage("cannot set -toolexec=/bin/true via GOFLAGS environment variable");
    env.remove("GOFLAGS");
    env.put("DOCKER_HOST", "npipe:////./pipe/docker_engine");
    assertThatThrownBy(
            () -> resolve(Flags.Build.DEFAULTS, publishFlags(List.of("latest"), true, true)))
        .hasMessageStartingWith("unsupported DOCKER_HOST \"npipe:");
    koYaml("builds:\n- main: ./cmd/missing\n");
    assertThatThrownBy(this::resolve)
        .hasMessageStartingWith(
            dir.resolve(".ko.yaml") + ":2: builds[0].main: \"./cmd/missing\" does not exist");
  }

  @Test
  void buildChecksComeBeforePublishChecks() throws Exception {
    env.put("SOURCE_DATE_EPOCH", "yesterday");
    assertThatThrownBy(() -> resolve(Flags.Build.DEFAULTS, Flags.Publish.DEFAULTS))
        .as("KO_DOCKER_REPO is unset too")
        .hasMessageStartingWith("the environment variable SOURCE_DATE_EPOCH");
  }
}
