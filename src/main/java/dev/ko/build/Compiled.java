package dev.ko.build;

import dev.ko.oci.LayerFile;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A built binary's layer and its {@code go version -m} output (empty when neither SBOMs nor
 * provenance are on), with how it was built, for the provenance.
 *
 * @param goBuild the arguments after {@code go}: {@code build}, the flags, the import path ({@code
 *     -o} and its cache path left out)
 * @param environment the environment {@code go build} ran with
 */
record Compiled(
    LayerFile layer,
    String versionM,
    List<String> goBuild,
    Map<String, String> environment,
    Instant started,
    Instant finished) {
  Compiled {
    goBuild = List.copyOf(goBuild);
    environment = Map.copyOf(environment);
  }
}
