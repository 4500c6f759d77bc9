package dev.ko.registry;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The certificates registries are verified against: the JDK's roots plus the PEM files Go programs
 * read on Linux, so a CA that works with ko (and docker, crane, skopeo) works here too. As in Go, a
 * given bundle file replaces the list of bundle files (the first readable one is used) and given
 * directories replace the list of directories, every file of which is read ({@link TrustRoots}).
 */
public final class TrustStores {
  /** Go's certFiles for Linux, in its order. */
  static final List<String> GO_CERT_FILES =
      List.of(
          "/etc/ssl/certs/ca-certificates.crt",
          "/etc/pki/tls/certs/ca-bundle.crt",
          "/etc/ssl/ca-bundle.pem",
          "/etc/pki/tls/cacert.pem",
          "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
          "/etc/ssl/cert.pem");

  /** Go's certDirectories for Linux. */
  static final List<String> GO_CERT_DIRECTORIES = List.of("/etc/ssl/certs", "/etc/pki/tls/certs");

  private static final String BEGIN = "-----BEGIN CERTIFICATE-----";
  private static final String END = "-----END CERTIFICATE-----";

  private TrustStores() {}

  /**
   * A TLS context that verifies servers against the JDK roots and Go's PEM locations. With {@code
   * SSL_CERT_FILE} or {@code SSL_CERT_DIR} set, both sets are loaded at once; otherwise Go's system
   * files are read only if the JDK's roots reject a server: on most systems both hold the same CAs,
   * and parsing a few hundred PEM certificates on every run would cost start-up time for nothing.
   */
  public static SSLContext verified(TrustRoots roots) {
    try {
      X509ExtendedTrustManager trust;
      if (roots.isSystem()) {
        trust = new FallbackTrustManager(trustManager(null), () -> combined(roots));
      } else {
        trust = combined(roots);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trust}, new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up TLS trust: " + e.getMessage(), e);
    }
  }

  /** The JDK's roots and Go's, in one trust manager. */
  private static X509ExtendedTrustManager combined(TrustRoots roots)
      throws GeneralSecurityException {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      Map<String, X509Certificate> all = new LinkedHashMap<>();
      for (X509Certificate c : jdkRoots()) {
        all.putIfAbsent(key(c), c);
      }
      for (X509Certificate c : goRoots(roots)) {
        all.putIfAbsent(key(c), c);
      }
      int i = 0;
      for (X509Certificate c : all.values()) {
        store.setCertificateEntry("root-" + i++, c);
      }
      return trustManager(store);
    } catch (IOException e) {
      throw new GeneralSecurityException("cannot create a key store: " + e.getMessage(), e);
    }
  }

  private static X509ExtendedTrustManager trustManager(KeyStore store)
      throws GeneralSecurityException {
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509ExtendedTrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("the JDK offers no X.509 trust manager");
  }

  /** Supplies the wider trust manager when it is first needed. */
  @FunctionalInterface
  interface TrustSource {
    X509ExtendedTrustManager get() throws GeneralSecurityException;
  }

  /**
   * Trusts what the JDK's roots trust; a chain they reject gets a second chance against the wider
   * set, which is built the first time that happens.
   */
  static final class FallbackTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager first;
    private final TrustSource wider;
    private volatile X509ExtendedTrustManager widerManager;

    FallbackTrustManager(X509ExtendedTrustManager first, TrustSource wider) {
      this.first = first;
      this.wider = wider;
    }

    private X509ExtendedTrustManager wider() throws CertificateException {
      X509ExtendedTrustManager w = widerManager;
      if (w == null) {
        synchronized (this) {
          if (widerManager == null) {
            try {
              widerManager = wider.get();
            } catch (GeneralSecurityException e) {
              throw new CertificateException(
                  "cannot load the system's CA files: " + e.getMessage(), e);
            }
          }
          w = widerManager;
        }
      }
      return w;
    }

    @FunctionalInterface
    private interface Check {
      void check(X509ExtendedTrustManager tm) throws CertificateException;
    }

    private void either(Check check) throws CertificateException {
      try {
        check.check(first);
      } catch (CertificateException rejected) {
        try {
          check.check(wider());
        } catch (CertificateException alsoRejected) {
          throw rejected;
        }
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      either(tm -> tm.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      either(tm -> tm.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      either(tm -> tm.checkServerTrusted(chain, authType));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      first.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      first.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      first.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return first.getAcceptedIssuers();
    }
  }

  /**
   * Accepts any certificate for any name: only for registries named with {@code
   * --insecure-registry}, like Go's {@code InsecureSkipVerify}. An extended trust manager, because
   * JSSE wraps a plain {@link X509TrustManager} in one that still checks the host name.
   */
  public static SSLContext unverified() {
    TrustManager trustAll =
        new X509ExtendedTrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

          @Override
          public void checkClientTrusted(
              X509Certificate[] chain, String authType, SSLEngine engine) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

          @Override
          public void checkServerTrusted(
              X509Certificate[] chain, String authType, SSLEngine engine) {}

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    try {
      SSLContext c = SSLContext.getInstance("TLS");
      c.init(null, new TrustManager[] {trustAll}, new SecureRandom());
      return c;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create a TLS context", e);
    }
  }

  private static List<X509Certificate> jdkRoots() throws GeneralSecurityException {
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    List<X509Certificate> out = new ArrayList<>();
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        out.addAll(List.of(x.getAcceptedIssuers()));
      }
    }
    return out;
  }

  /**
   * The certificates Go's crypto/x509 would load as system roots from these locations, each once.
   * On Debian every CA is in the bundle, in a {@code .pem} link and in a hash link: as Go's
   * readUniqueDirectoryEntries does, links to a file in the same directory are skipped, and a
   * certificate met again is not parsed again.
   */
  static List<X509Certificate> goRoots(TrustRoots roots) {
    Pem pem = new Pem();
    for (Path f : roots.bundleFiles()) {
      byte[] data;
      try {
        data = Files.readAllBytes(f);
      } catch (IOException e) {
        continue;
      }
      pem.add(data);
      break;
    }
    for (Path d : roots.directories()) {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(d)) {
        for (Path entry : entries) {
          if (!isSameDirectoryLink(entry) && Files.isRegularFile(entry)) {
            try {
              pem.add(Files.readAllBytes(entry));
            } catch (IOException e) {
              // unreadable entries are skipped, as Go does
            }
          }
        }
      } catch (IOException e) {
        // a missing directory is normal
      }
    }
    return pem.certificates();
  }

  /** Go's isSameDirSymlink: a symbolic link whose target has no slash. */
  private static boolean isSameDirectoryLink(Path entry) {
    if (!Files.isSymbolicLink(entry)) {
      return false;
    }
    try {
      return !Files.readSymbolicLink(entry).toString().contains("/");
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Every parseable CERTIFICATE block; anything else is skipped, as Go's AppendCertsFromPEM does.
   */
  static List<X509Certificate> parsePem(byte[] data) {
    Pem pem = new Pem();
    pem.add(data);
    return pem.certificates();
  }

  /** Certificates collected from PEM text, each distinct one parsed once. */
  private static final class Pem {
    private final Map<ByteBuffer, X509Certificate> byDer = new LinkedHashMap<>();
    private final Set<ByteBuffer> unusable = new HashSet<>();
    private final CertificateFactory factory;

    Pem() {
      try {
        factory = CertificateFactory.getInstance("X.509");
      } catch (CertificateException e) {
        throw new IllegalStateException("the JDK has no X.509 support", e);
      }
    }

    void add(byte[] data) {
      String text = new String(data, StandardCharsets.ISO_8859_1);
      int from = 0;
      while (true) {
        int begin = text.indexOf(BEGIN, from);
        if (begin < 0) {
          break;
        }
        int end = text.indexOf(END, begin);
        if (end < 0) {
          break;
        }
        from = end + END.length();
        ByteBuffer der;
        try {
          der =
              ByteBuffer.wrap(
                  Base64.getMimeDecoder().decode(text.substring(begin + BEGIN.length(), end)));
        } catch (IllegalArgumentException e) {
          continue; // not base64
        }
        // Decoding is cheap, parsing is not: a certificate met before is not parsed again.
        if (byDer.containsKey(der) || unusable.contains(der)) {
          continue;
        }
        try {
          byDer.put(
              der,
              (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der.array())));
        } catch (CertificateException e) {
          unusable.add(der); // not a certificate we can use
        }
      }
    }

    List<X509Certificate> certificates() {
      return List.copyOf(byDer.values());
    }
  }

  private static String key(X509Certificate c) throws GeneralSecurityException {
    return Base64.getEncoder().encodeToString(c.getEncoded());
  }
}
