package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.testing.Proc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrustStoresTest {
  @TempDir static Path dir;
  static Path certA;
  static Path certB;

  @BeforeAll
  static void certificates() throws Exception {
    certA = selfSigned("a");
    certB = selfSigned("b");
  }

  private static Path selfSigned(String name) throws Exception {
    Path cert = dir.resolve(name + ".pem");
    Proc.Result r =
        Proc.run(
            dir,
            Map.of(),
            List.of(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=trust-test-" + name,
                "-keyout",
                dir.resolve(name + ".key").toString(),
                "-out",
                cert.toString()));
    assertThat(r.exit()).as(r.stderr()).isZero();
    return cert;
  }

  private static List<String> subjects(List<X509Certificate> certs) {
    return certs.stream().map(c -> c.getSubjectX500Principal().getName()).toList();
  }

  @Test
  void pemBundleWithCommentsAndOtherBlocksGivesTheCertificatesOnly() throws Exception {
    String bundle =
        "# a comment\n"
            + Files.readString(certA)
            + "junk between\n"
            + Files.readString(dir.resolve("a.key"))
            + Files.readString(certB)
            + "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n";
    assertThat(subjects(TrustStores.parsePem(bundle.getBytes(StandardCharsets.US_ASCII))))
        .containsExactly("CN=trust-test-a", "CN=trust-test-b");
  }

  @Test
  void sslCertFileReplacesTheDefaultBundleAndSslCertDirListsDirectories() throws Exception {
    Path d1 = Files.createDirectories(dir.resolve("d1"));
    Path d2 = Files.createDirectories(dir.resolve("d2"));
    Files.copy(certB, d2.resolve("b.crt"));
    List<String> roots =
        subjects(
            TrustStores.goRoots(
                new TrustRoots(
                    Optional.of(certA), Optional.of(List.of(d1, dir.resolve("missing"), d2)))));
    assertThat(roots).containsExactly("CN=trust-test-a", "CN=trust-test-b");
  }

  @Test
  void eachCertificateIsReadOnceHoweverManyFilesAndLinksHoldIt() throws Exception {
    // Debian's layout: the bundle, a .pem link per CA into another directory, and hash links
    // next to it pointing at those .pem links.
    Path shared = Files.createDirectories(dir.resolve("share"));
    Path certs = Files.createDirectories(dir.resolve("certs"));
    Files.copy(certA, shared.resolve("a.crt"));
    Files.copy(certB, shared.resolve("b.crt"));
    Files.createSymbolicLink(certs.resolve("a.pem"), shared.resolve("a.crt"));
    Files.createSymbolicLink(certs.resolve("b.pem"), shared.resolve("b.crt"));
    Files.createSymbolicLink(certs.resolve("1a2b3c4d.0"), Path.of("a.pem"));
    Files.createSymbolicLink(certs.resolve("5e6f7a8b.0"), Path.of("b.pem"));
    // The same certificate with other line breaks, as in a bundle of another origin.
    String rewrapped = Files.readString(certA).replace("\n", "\r\n");
    Files.writeString(certs.resolve("copy-of-a.crt"), rewrapped);
    Path bundle = dir.resolve("bundle.crt");
    Files.writeString(bundle, Files.readString(certA) + Files.readString(certB));

    List<String> roots =
        subjects(
            TrustStores.goRoots(new TrustRoots(Optional.of(bundle), Optional.of(List.of(certs)))));

    assertThat(roots).containsExactlyInAnyOrder("CN=trust-test-a", "CN=trust-test-b");
  }

  @Test
  void withoutTheVariablesGoDefaultsAreRead() {
    List<X509Certificate> roots = TrustStores.goRoots(TrustRoots.SYSTEM);
    if (Files.isRegularFile(Path.of(TrustStores.GO_CERT_FILES.get(0)))) {
      assertThat(roots).as("Debian's bundle").isNotEmpty();
    }
    assertThat(subjects(roots)).doesNotContain("CN=trust-test-a");
  }

  @Test
  void verifiedContextBuildsWithExtraRoots() {
    assertThat(
            TrustStores.verified(new TrustRoots(Optional.of(certA), Optional.empty()))
                .getProtocol())
        .isEqualTo("TLS");
  }
}
