package dev.ko.registry;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the CA certificates that Go programs on Linux trust are read from, as the environment says
 * ({@code SSL_CERT_FILE}, {@code SSL_CERT_DIR}). Each given value replaces Go's own list.
 *
 * @param certFile the one bundle read instead of Go's list of bundle files
 * @param certDirectories the directories read instead of Go's, every file of each
 */
public record TrustRoots(Optional<Path> certFile, Optional<List<Path>> certDirectories) {
  /** Go's lists, with nothing given. */
  public static final TrustRoots SYSTEM = new TrustRoots(Optional.empty(), Optional.empty());

  public TrustRoots {
    certDirectories = certDirectories.map(List::copyOf);
  }

  /** Whether nothing replaces Go's lists, so they need only be read if the JDK's roots fail. */
  boolean isSystem() {
    return certFile.isEmpty() && certDirectories.isEmpty();
  }

  /** The bundle files tried in order; the first readable one is used. */
  List<Path> bundleFiles() {
    return certFile
        .map(List::of)
        .orElseGet(() -> TrustStores.GO_CERT_FILES.stream().map(Path::of).toList());
  }

  List<Path> directories() {
    return certDirectories.orElseGet(
        () -> TrustStores.GO_CERT_DIRECTORIES.stream().map(Path::of).toList());
  }
}
