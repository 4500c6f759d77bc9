package dev.ko.build;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The Go commands ko needs. Tests can substitute a fake; production runs the real {@code go}. */
public interface GoToolchain {
  /** {@code go list} of the given patterns, run in {@code dir}. */
  List<GoPackage> list(Path dir, Map<String, String> env, List<String> patterns) throws IOException;

  /** {@code go build ARGS} in {@code dir}; fails with go's output when the build fails. */
  void build(Path dir, Map<String, String> env, List<String> args) throws IOException;

  /** {@code go version -m BINARY}. */
  String versionM(Path binary, Map<String, String> env) throws IOException;

  /** {@code go env}, as a map. */
  Map<String, String> env(Path dir, Map<String, String> env) throws IOException;

  /**
   * The standard output of {@code go ARGS} in {@code dir}, for commands other than the ones above
   * (the build cache's {@code go list -deps -json}); fails with go's output when go does.
   */
  default byte[] output(Path dir, Map<String, String> env, List<String> args) throws IOException {
    throw new IOException("this Go toolchain runs only list, build, version and env");
  }
}
