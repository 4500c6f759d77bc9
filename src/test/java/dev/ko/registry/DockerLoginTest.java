package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.name.Registry;
import dev.ko.name.Repository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerLoginTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  /** Docker's config file only, no podman files, no environment for helpers. */
  private static KeychainSources sources(Path dockerConfig) {
    return new KeychainSources(dockerConfig, List.of(), Map.of(), dockerConfig.getParent());
  }

  @Test
  void writesInlineAuthKeepsOtherKeysAndIsPrivate() throws Exception {
    Path config = tmp.resolve("docker/config.json");
    Files.createDirectories(config.getParent());
    Files.writeString(
        config, "{\"auths\": {\"other.io\": {\"auth\": \"eDp5\"}}, \"detachKeys\": \"ctrl-q\"}");
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
    Path written =
        new DockerLogin(sources(tmp.resolve("docker/config.json")))
            .login(Registry.parse("reg.example.com:5000"), "alice", "s3cret");

    assertThat(written).isEqualTo(config);
    JsonNode root = JSON.readTree(config.toFile());
    assertThat(root.path("detachKeys").asText()).isEqualTo("ctrl-q");
    assertThat(root.at("/auths/other.io/auth").asText()).isEqualTo("eDp5");
    assertThat(
            new String(
                Base64.getDecoder().decode(root.at("/auths/reg.example.com:5000/auth").asText()),
                StandardCharsets.UTF_8))
        .isEqualTo("alice:s3cret");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config)))
        .isEqualTo("rw-------");
    try (Stream<Path> left = Files.list(config.getParent())) {
      assertThat(left).as("no temporary file left").containsExactly(config);
    }
  }

  @Test
  void dockerHubUsesDockersKeyAndHomeDefault() throws Exception {
    new DockerLogin(sources(tmp.resolve(".docker/config.json")))
        .login(Registry.parse("docker.io"), "bob", "pw");
    JsonNode root = JSON.readTree(tmp.resolve(".docker/config.json").toFile());
    assertThat(root.path("auths").has("https://index.docker.io/v1/")).isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve(".docker"))))
        .isEqualTo("rwx------");
  }

  @Test
  void brokenConfigIsAnErrorThatQuotesNothingFromTheFile() throws Exception {
    Files.createDirectories(tmp.resolve(".docker"));
    Files.writeString(
        tmp.resolve(".docker/config.json"), "{\"auths\": {\"x\": {\"auth\": hunter2}}}");
    assertThatThrownBy(
            () ->
                new DockerLogin(sources(tmp.resolve(".docker/config.json")))
                    .login(Registry.parse("r.io"), "u", "p"))
        .hasMessageContaining("config.json: not valid JSON at line 1")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void keychainReadsWhatLoginWrote() throws Exception {
    KeychainSources sources = sources(tmp.resolve("config.json"));
    new DockerLogin(sources).login(Registry.parse("reg.example.com"), "carol", "pw:with:colons");
    Credential c =
        new DockerConfigKeychain(sources).resolve(Repository.parse("reg.example.com/team/app"));
    assertThat(c).isEqualTo(Credential.basic("carol", "pw:with:colons"));
    assertThat(c.toString()).doesNotContain("pw:with");
  }
}
