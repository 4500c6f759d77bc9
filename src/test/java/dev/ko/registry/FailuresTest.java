package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** {@link Failures}: which failures are worth another try, and how they are described. */
class FailuresTest {
  private static IOException wrapped(Throwable cause) {
    return new IOException("GET https://r.example/v2/: " + Failures.describe(cause), cause);
  }

  private static SSLHandshakeException untrusted() {
    SSLHandshakeException e = new SSLHandshakeException("PKIX path building failed");
    e.initCause(new CertificateException(new CertPathBuilderException("no path")));
    return e;
  }

  /** As the JDK reports a refused connection. */
  private static ConnectException refused() {
    ConnectException outer = new ConnectException();
    ConnectException inner = new ConnectException();
    inner.initCause(new ClosedChannelException());
    outer.initCause(inner);
    return outer;
  }

  @Test
  void temporaryAreServerErrorsThrottlingTimeoutsAndBrokenConnections() {
    assertThat(
            List.of(
                new RegistryException("GET", "u", 503, List.of()),
                wrapped(new ClosedChannelException()),
                wrapped(new HttpTimeoutException("request timed out")),
                new IOException("closed")))
        .allMatch(Failures::isTemporary);
    assertThat(
            List.of(
                new RegistryException("GET", "u", 404, List.of()),
                wrapped(new ConnectException()),
                wrapped(refused()),
                wrapped(untrusted()),
                wrapped(new UnknownHostException("r.example")),
                wrapped(new SSLHandshakeException("no cipher")),
                new InterruptedIOException("cancelled"),
                new IOException("upload failed", new RefusedLocation("POST u: no Location"))))
        .noneMatch(Failures::isTemporary);
  }

  @Test
  void anUntrustedCertificateSaysWhyAndHowToTrustIt() {
    assertThat(Failures.describe(untrusted()))
        .isEqualTo(
            "TLS certificate not trusted: certificate signed by unknown authority"
                + " (trust its CA through SSL_CERT_FILE or SSL_CERT_DIR, or use"
                + " --insecure-registry)");
    assertThat(Failures.isCertificateProblem(untrusted())).isTrue();
    assertThat(Failures.isCertificateProblem(new SSLHandshakeException("no cipher"))).isFalse();
    assertThat(Failures.describe(new SSLHandshakeException("no cipher")))
        .isEqualTo("TLS handshake failed: no cipher");
    assertThat(Failures.describe(new UnknownHostException("r.example"))).isEqualTo("no such host");
  }
}
