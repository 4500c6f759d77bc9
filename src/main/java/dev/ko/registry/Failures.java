package dev.ko.registry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * What went wrong with an exchange: a short description (Java's own messages are often empty),
 * whether trying again may help, and what to do about an untrusted certificate.
 */
final class Failures {
  private Failures() {}

  /**
   * Worth trying again: an error status the registry calls temporary, or a network failure other
   * than those that will not fix themselves in a second (refused connections, unknown hosts, TLS
   * failures, interruptions, a Location we refuse).
   */
  static boolean isTemporary(IOException e) {
    Throwable root = e;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof RegistryException r) {
        return r.isTemporary();
      }
      if (t instanceof RefusedLocation) {
        return false;
      }
      root = t;
    }
    return !(root instanceof ConnectException
        || root instanceof UnresolvedAddressException
        || root instanceof UnknownHostException
        || root instanceof SSLException
        || root instanceof InterruptedIOException);
  }

  /** A short reason for an I/O failure. */
  static String describe(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && (t.getMessage() == null || t instanceof UncheckedIOException)) {
      t = t.getCause();
    }
    if (e instanceof ConnectException || t instanceof ConnectException) {
      return "connection refused";
    }
    if (t instanceof ClosedChannelException) {
      return "connection closed";
    }
    if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
      return "no such host";
    }
    if (t instanceof HttpTimeoutException) {
      return "timed out";
    }
    if (isCertificateProblem(e)) {
      return "TLS certificate not trusted: "
          + certificateReason(e)
          + " (trust its CA through SSL_CERT_FILE or SSL_CERT_DIR, or use --insecure-registry)";
    }
    if (t instanceof SSLException) {
      return "TLS handshake failed: " + t.getMessage();
    }
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }

  /** Whether the peer's certificate was not trusted (rather than TLS not spoken at all). */
  static boolean isCertificateProblem(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertificateException
          || t instanceof CertPathValidatorException
          || t instanceof SSLPeerUnverifiedException
          || t instanceof CertPathBuilderException) {
        return true;
      }
    }
    return false;
  }

  /** Go's wording where it has one, else the deepest message. */
  private static String certificateReason(Throwable e) {
    String deepest = "";
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertPathBuilderException) {
        return "certificate signed by unknown authority";
      }
      if (t instanceof CertificateExpiredException) {
        return "certificate has expired";
      }
      if (t.getMessage() != null) {
        deepest = t.getMessage();
      }
    }
    return deepest;
  }
}
