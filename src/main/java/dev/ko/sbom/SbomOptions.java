package dev.ko.sbom;

/**
 * Whether, how and where SBOMs are made.
 *
 * @param enabled false for {@code --sbom=none}: no {@code go version -m}, no document, no upload
 * @param directory {@code --sbom-dir} as given (relative to the working directory), or empty for
 *     none
 * @param toolVersion the version in the creator {@code Tool: ko <version>}
 * @param format the document format ({@code --sbom=spdx} or {@code --sbom=cyclonedx})
 */
public record SbomOptions(boolean enabled, String directory, String toolVersion, Format format) {
  public static final SbomOptions NONE = new SbomOptions(false, "", "", Format.SPDX);

  /** The SBOM document formats. */
  public enum Format {
    /** SPDX 2.3 JSON, ko's format and our default. */
    SPDX,
    /** CycloneDX 1.6 JSON. */
    CYCLONEDX
  }

  public SbomOptions {
    directory = directory == null ? "" : directory;
    toolVersion = toolVersion == null ? "" : toolVersion;
    format = format == null ? Format.SPDX : format;
  }

  /** SPDX SBOMs. */
  public SbomOptions(boolean enabled, String directory, String toolVersion) {
    this(enabled, directory, toolVersion, Format.SPDX);
  }

  /**
   * From the {@code --sbom} and {@code --sbom-dir} flags. ko silently treats every value but {@code
   * none} as {@code spdx}; a typo here is an error instead.
   */
  public static SbomOptions fromFlags(String format, String directory, String toolVersion) {
    return switch (format) {
      case "spdx" -> new SbomOptions(true, directory, toolVersion, Format.SPDX);
      case "cyclonedx" -> new SbomOptions(true, directory, toolVersion, Format.CYCLONEDX);
      case "none" -> NONE;
      default ->
          throw new IllegalArgumentException(
              "invalid --sbom \"" + format + "\": want spdx, cyclonedx or none");
    };
  }
}
