package dev.ko.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Signing keys made by an independent tool, openssl, for the tests that check our signatures. */
public final class OpensslKeys {
  private OpensslKeys() {}

  /**
   * A P-256 key pair in {@code dir}: {@code <name>.pem} (PKCS#8, returned) and {@code <name>.pub}.
   */
  public static Path pair(Path dir, String name) throws IOException {
    Path key = dir.resolve(name + ".pem");
    check(
        dir,
        "openssl",
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        key.toString());
    check(
        dir,
        "openssl",
        "pkey",
        "-in",
        key.toString(),
        "-pubout",
        "-out",
        dir.resolve(name + ".pub").toString());
    return key;
  }

  private static void check(Path dir, String... cmd) throws IOException {
    Proc.Result r = Proc.run(dir, Map.of(), List.of(cmd));
    assertThat(r.exit()).as(String.join(" ", cmd) + ": " + r.stderr()).isZero();
  }
}
