package dev.ko.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.config.Env;
import dev.ko.name.Registry;
import dev.ko.registry.RegistryClient;
import java.net.Proxy;
import java.net.URL;
import java.nio.ByteBuffer;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Loads and initialises the heavy JDK and Jackson classes on the second core while the main thread
 * parses the command line, so the first registry request and the first JSON parse do not pay for
 * it. The objects built here are thrown away; only the class initialisation is kept. Only commands
 * that talk to a registry want this: for {@code version} or {@code help} it would be pure cost.
 */
final class ClassWarmup {
  /** The commands (and aliases) that build or publish. */
  private static final Set<String> NETWORK_COMMANDS =
      Set.of("build", "publish", "resolve", "apply", "create", "run");

  private ClassWarmup() {}

  /** Whether the command line names a command that builds or publishes. */
  static boolean wantedFor(String[] args) {
    for (String a : args) {
      if (a.equals("--")) {
        return false;
      }
      if (!a.startsWith("-")) {
        return NETWORK_COMMANDS.contains(a);
      }
    }
    return false;
  }

  /**
   * Warms up on a thread of its own; TLS only when some registry may need it: not when the
   * registries that {@code KO_DOCKER_REPO} and {@code KO_DEFAULTBASEIMAGE} name both answered over
   * plain HTTP only in an earlier run (a local registry), as their pings then skip the TLS probe.
   */
  static void start(Env env) {
    boolean tls =
        !(remembersPlainHttp(env, "KO_DOCKER_REPO")
            && remembersPlainHttp(env, "KO_DEFAULTBASEIMAGE"));
    Thread t = new Thread(() -> run(tls), "ko-class-warmup");
    t.setDaemon(true);
    t.start();
  }

  private static boolean remembersPlainHttp(Env env, String variable) {
    String name = env.get(variable);
    if (name.isEmpty()) {
      return false;
    }
    // Docker's rule: the first component names a registry when it looks like a host.
    int slash = name.indexOf('/');
    String first = slash < 0 ? "" : name.substring(0, slash);
    if (!(first.contains(".") || first.contains(":") || first.equals("localhost"))) {
      return false; // Docker Hub, over HTTPS
    }
    try {
      Registry registry = Registry.parse(first);
      return RegistryClient.remembersPlainHttp(env.cacheDirectory().resolve("registry"), registry);
    } catch (RuntimeException e) {
      return false; // not a registry name (ko.local, a typo): reported where it is used
    }
  }

  /** Warms up on this thread, TLS included. */
  static void run() {
    run(true);
  }

  private static void run(boolean withTls) {
    try {
      // A fresh process talks to registries through HttpURLConnection (see HttpTransport).
      new URL("http://127.0.0.1/v2/").openConnection(Proxy.NO_PROXY);
      new ObjectMapper().readTree("{\"a\":[1,\"b\",{\"c\":true}]}");
      if (!withTls) {
        return;
      }
      SSLContext tls = SSLContext.getDefault();
      // A client hello, never sent: the handshake and key-exchange code every registry ping
      // needs (ko tries HTTPS even for local registries) is then loaded and initialised.
      SSLEngine engine = tls.createSSLEngine("localhost", 443);
      engine.setUseClientMode(true);
      engine.beginHandshake();
      engine.wrap(
          ByteBuffer.allocate(0), ByteBuffer.allocate(engine.getSession().getPacketBufferSize()));
    } catch (Exception | LinkageError e) {
      // Only an optimisation: anything wrong here will surface where the classes are really used.
    }
  }
}
