package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.log.Log;
import dev.ko.name.Repository;
import dev.ko.oci.Digest;
import dev.ko.testing.TestBed;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads and credentials against the real registry (TLS with its own CA, htpasswd Basic auth):
 * credentials filed for one repository are used for it and only for it, and uploadBlob pushes,
 * mounts and finds blobs as the registry sees them.
 */
@Tag("integration")
class RegistryIntegrationTest {
  @TempDir Path tmp;

  private static String auth(String userPassword) {
    return "{\"auth\":\""
        + Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8))
        + "\"}";
  }

  @Test
  void credentialsFiledForARepositoryAreUsedForItAndTheRegistrysForTheRest() throws Exception {
    TestBed tls = TestBed.tlsBasicAuth();
    String reg = tls.registry();
    String team = "repo-creds-" + UUID.randomUUID().toString().substring(0, 8);
    Files.writeString(
        tmp.resolve("config.json"),
        "{\"auths\":{"
            + "\""
            + reg
            + "/"
            + team
            + "/app\":"
            + auth(tls.get("TESTBED_USER") + ":" + tls.get("TESTBED_PASSWORD"))
            + ","
            + "\""
            + reg
            + "/"
            + team
            + "/copy\":"
            + auth(tls.get("TESTBED_USER") + ":" + tls.get("TESTBED_PASSWORD"))
            + ","
            + "\""
            + reg
            + "\":"
            + auth(tls.get("TESTBED_USER") + ":not-the-password")
            + "}}");
    HttpTransport transport =
        new HttpTransport(
            Wire.engine(),
            () ->
                TrustStores.verified(
                    new TrustRoots(Optional.of(Path.of(tls.get("TESTBED_CA"))), Optional.empty())),
            TrustStores::unverified);
    RegistryClient client =
        new RegistryClient(
            transport,
            new DockerConfigKeychain(
                new KeychainSources(tmp.resolve("config.json"), List.of(), Map.of(), tmp)),
            Log.NONE,
            RegistryClient.Options.of(
                "ko-test",
                new NetworkSettings(
                    Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofSeconds(30))));
    byte[] blob = ("a blob for " + team).getBytes(StandardCharsets.UTF_8);
    Digest digest = Digest.of(blob);
    Repository app = Repository.parse(reg + "/" + team + "/app");
    Repository copy = Repository.parse(reg + "/" + team + "/copy");
    Repository other = Repository.parse(reg + "/" + team + "/other");

    long mark = tls.logMark();
    Pusher toApp = client.pusher(app, List.of());
    assertThat(toApp.blobExists(digest)).isFalse();
    assertThat(
            toApp.uploadBlob(
                digest, blob.length, () -> new ByteArrayInputStream(blob), Optional.empty()))
        .isEqualTo(RegistryClient.Upload.PUSHED);
    assertThat(toApp.blobExists(digest)).isTrue();
    assertThat(client.getBlob(Access.pull(app), app, digest)).isEqualTo(blob);

    Pusher toCopy = client.pusher(copy, List.of(app));
    assertThat(
            toCopy.uploadBlob(
                digest,
                blob.length,
                () -> {
                  throw new AssertionError("a mount sends no bytes");
                },
                Optional.of(app)))
        .isEqualTo(RegistryClient.Upload.MOUNTED);
    assertThat(tls.requestsSince(mark))
        .contains(
            "POST /v2/" + team + "/app/blobs/uploads/",
            "POST /v2/"
                + team
                + "/copy/blobs/uploads/?mount="
                + digest
                + "&from="
                + team
                + "%2Fapp");

    assertThatThrownBy(() -> client.pusher(other, List.of()).blobExists(digest))
        .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isEqualTo(401))
        .hasMessageContaining("the credentials for " + reg + " were refused");
  }
}
