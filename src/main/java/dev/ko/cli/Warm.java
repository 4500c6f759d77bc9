package dev.ko.cli;

import dev.ko.registry.HttpTransport;
import dev.ko.registry.TokenCache;
import dev.ko.registry.TrustRoots;
import dev.ko.registry.TrustStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * What a long-lived process (the build server) keeps from one invocation to the next: the HTTP
 * clients, with their open connections and TLS sessions, one per set of trust roots, and registry
 * tokens until they expire, keyed by the credentials they were issued for. Nothing an invocation
 * reads from its environment or working directory is kept: options and credentials are read afresh
 * each time. A fresh process uses {@link #NONE}, which keeps nothing.
 */
public final class Warm {
  /** Keeps nothing: every invocation makes its own clients. */
  public static final Warm NONE = new Warm(0);

  /** Kept HTTP clients, least recently used first. */
  private final LinkedHashMap<TrustKey, HttpTransport> transports;

  private final int capacity;

  /** Bearer tokens, kept while valid, by access, token server and credential hash. */
  private final TokenCache tokens = new TokenCache();

  private Warm(int capacity) {
    this.capacity = capacity;
    this.transports = new LinkedHashMap<>(16, 0.75f, true);
  }

  /**
   * Where an invocation's registry client keeps Bearer tokens: the server's, shared while they are
   * valid (a token is found only for the same credentials, so a changed {@code config.json} gets
   * its own), or, keeping nothing, a new one for each invocation.
   */
  TokenCache tokens() {
    return capacity == 0 ? new TokenCache() : tokens;
  }

  /** Keeps the clients of the last few sets of trust roots. */
  public static Warm keeping() {
    return new Warm(4);
  }

  /**
   * The HTTP clients for these roots; a kept one only while the root files are as they were (same
   * size and modification time), so a changed {@code SSL_CERT_FILE} is read again.
   */
  HttpTransport transport(TrustRoots roots) {
    if (capacity == 0) {
      return newTransport(roots);
    }
    TrustKey key = new TrustKey(roots, stamps(roots));
    synchronized (transports) {
      HttpTransport t = transports.get(key);
      if (t == null) {
        t = newTransport(roots);
        transports.put(key, t);
        if (transports.size() > capacity) {
          transports.remove(transports.keySet().iterator().next());
        }
      }
      return t;
    }
  }

  /**
   * A fresh process sends with the blocking client, which starts fast; a server with the JDK's
   * asynchronous one, which it keeps warm (and whose exchanges a cancelled request interrupts).
   */
  private HttpTransport newTransport(TrustRoots roots) {
    HttpTransport.Engine engine =
        capacity == 0 ? HttpTransport.Engine.URL_CONNECTION : HttpTransport.Engine.JDK_CLIENT;
    return new HttpTransport(engine, () -> TrustStores.verified(roots), TrustStores::unverified);
  }

  /** The roots and what their files looked like. */
  private record TrustKey(TrustRoots roots, List<String> stamps) {}

  private static List<String> stamps(TrustRoots roots) {
    List<Path> paths = new ArrayList<>();
    roots.certFile().ifPresent(paths::add);
    roots.certDirectories().ifPresent(paths::addAll);
    List<String> stamps = new ArrayList<>();
    for (Path p : paths) {
      stamps.add(stamp(p));
      if (Files.isDirectory(p)) {
        try (var files = Files.list(p)) {
          files.sorted().forEach(f -> stamps.add(stamp(f)));
        } catch (IOException e) {
          stamps.add(p + " unreadable");
        }
      }
    }
    return stamps;
  }

  private static String stamp(Path p) {
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
      return p + " " + a.size() + " " + a.lastModifiedTime().toMillis() + " " + a.fileKey();
    } catch (IOException e) {
      return p + " missing";
    }
  }

  /** For {@code ko server status}: how many clients are kept. */
  public int keptTransports() {
    synchronized (transports) {
      return transports.size();
    }
  }
}
