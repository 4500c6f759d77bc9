package dev.ko.sbom;

/**
 * Whether and where SBOMs are made.
 *
 * @param enabled false for {@code --sbom=none}: no {@code go version -m}, no document, no upload
 * @param directory {@code --sbom-dir} as given (relative to the working directory), or empty for
 *     none
 * @param toolVersion the version in the creator {@code Tool: ko <version>}
 */
public record SbomOptions(boolean enabled, String directory, String toolVersion) {
  public static final SbomOptions NONE = new SbomOptions(false, "", "");

  public SbomOptions {
    directory = directory == null ? "" : directory;
    toolVersion = toolVersion == null ? "" : toolVersion;
  }

  /**
   * From the {@code --sbom} and {@code --sbom-dir} flags. ko silently treats every value but {@code
   * none} as {@code spdx}; a typo here is an error instead.
   */
  public static SbomOptions fromFlags(String format, String directory, String toolVersion) {
    return switch (format) {
      case "spdx" -> new SbomOptions(true, directory, toolVersion);
      case "none" -> NONE;
      default ->
          throw new IllegalArgumentException(
              "invalid --sbom \"" + format + "\": want spdx or none");
    };
  }
}
