package dev.ko.registry;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketException;
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
   * and certificate failures, interruptions, a Location we refuse, retries already spent). A
   * connection the peer closed during the TLS handshake is a broken connection, not a TLS failure.
   */
  static boolean isTemporary(IOException e) {
    Throwable root = e;
    boolean tls = false;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof RetriesSpent || t instanceof RefusedLocation) {
        return false;
      }
      if (t instanceof RegistryException r) {
        return r.isTemporary();
      }
      tls |= t instanceof SSLException;
      // The JDK reports a refused connection as ConnectException over ClosedChannelException.
      if (t instanceof ConnectException
          || t instanceof UnresolvedAddressException
          || t instanceof UnknownHostException) {
        return false;
      }
      root = t;
    }
    if (isCertificateProblem(e)) {
      return false;
    }
    if (tls) {
      return root instanceof EOFException
          || (root instanceof SocketException && !(root instanceof ConnectException));
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
    // The JDK's streamed bodies fail with "closed" and the real cause behind it.
    while (t.getCause() != null
        && (t.getMessage() == null
            || t instanceof UncheckedIOException
            || t.getMessage().equals("closed"))) {
      t = t.getCause();
    }
    if (e instanceof ConnectException || t instanceof ConnectException) {
      return "connection refused";
    }
    if (t instanceof ClosedChannelException) {
      return "connection closed";
    }
    if (t instanceof EOFException || isNoReply(t)) {
      return "connection closed before reply";
    }
    if (isCutOff(t)) {
      return "reply cut off (" + t.getMessage() + ")";
    }
    if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
      return "no such host";
    }
    if (t instanceof HttpTimeoutException) {
      return t.getMessage() != null && t.getMessage().startsWith("no ")
          ? t.getMessage()
          : "timed out";
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

  /** The JDK's words for a connection closed before any reply came. */
  private static boolean isNoReply(Throwable t) {
    String m = t.getMessage();
    // The JDK client's words, then HttpURLConnection's.
    return m != null
        && (m.contains("header parser received no bytes")
            || m.contains("Unexpected end of file from server"));
  }

  /** The JDK's words for a reply whose body ended before its length. */
  private static boolean isCutOff(Throwable t) {
    String m = t.getMessage();
    return m != null && (m.startsWith("fixed content-length") || m.contains("EOF reached"));
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
