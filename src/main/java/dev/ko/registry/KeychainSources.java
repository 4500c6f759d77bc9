package dev.ko.registry;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where credentials are found, the locations already decided from the environment.
 *
 * @param dockerConfig Docker's {@code config.json}: read first, and the file {@code ko login}
 *     writes
 * @param authFiles podman's {@code auth.json} candidates, in order, read when Docker's file does
 *     not exist
 * @param helperEnvironment the environment credential helpers run with (passed on, not read)
 * @param helperDirectory the directory credential helpers run in: the invocation's, which the build
 *     server's own is not
 */
public record KeychainSources(
    Path dockerConfig,
    List<Path> authFiles,
    Map<String, String> helperEnvironment,
    Path helperDirectory) {
  public KeychainSources {
    authFiles = List.copyOf(authFiles);
    helperEnvironment = Map.copyOf(helperEnvironment);
  }
}
