package dev.ko.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A self-signed server certificate made with the JDK's keytool, for HTTPS stubs: the server's TLS
 * context and the certificate as PEM (what a client trusts through SSL_CERT_FILE).
 */
public record ServerCertificate(SSLContext serverTls, Path pem) {
  private static final String PASSWORD = "changeit";

  /**
   * Makes a key pair and a certificate valid for two days in {@code dir} ({@code server.p12} and
   * {@code server.pem}).
   *
   * @param commonName the subject's CN
   * @param subjectAltName keytool's SAN value, e.g. {@code ip:127.0.0.1} or {@code
   *     dns:registry.invalid}
   */
  public static ServerCertificate create(Path dir, String commonName, String subjectAltName)
      throws IOException, GeneralSecurityException {
    Path store = dir.resolve("server.p12");
    Path pem = dir.resolve("server.pem");
    keytool(
        dir,
        "-genkeypair",
        "-alias",
        "stub",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=" + commonName,
        "-ext",
        "SAN=" + subjectAltName,
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        store.toString(),
        "-storepass",
        PASSWORD);
    keytool(
        dir,
        "-exportcert",
        "-rfc",
        "-alias",
        "stub",
        "-keystore",
        store.toString(),
        "-storepass",
        PASSWORD,
        "-file",
        pem.toString());
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, PASSWORD.toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PASSWORD.toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    return new ServerCertificate(tls, pem);
  }

  private static void keytool(Path dir, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("keytool"));
    cmd.addAll(List.of(args));
    Proc.Result r = Proc.run(dir, Map.of(), cmd);
    if (r.exit() != 0) {
      throw new IOException("keytool " + args[0] + " failed: " + r.stderr());
    }
  }
}
