package dev.ko.sbom;

/**
 * A module as Go records it in a binary ({@code runtime/debug.Module}), without its replacement.
 *
 * @param version a semantic version, a pseudo-version or {@code (devel)}
 * @param sum the go.sum hash ({@code h1:...}), empty when none was recorded (replaced modules)
 */
public record GoModule(String path, String version, String sum) {
  public GoModule {
    path = path == null ? "" : path;
    version = version == null ? "" : version;
    sum = sum == null ? "" : sum;
  }
}
