package dev.ko.testing;

import java.nio.file.Path;
import java.util.List;
import org.spdx.tools.SpdxToolsHelper;
import org.spdx.tools.SpdxVerificationException;
import org.spdx.tools.Verify;

/**
 * The SPDX project's own validator (tools-java {@code Verify}), as ko's CI runs it on ko's SBOMs.
 */
public final class SpdxValidator {
  private SpdxValidator() {}

  /** The problems {@code Verify} finds in an SPDX JSON file; empty when it is valid. */
  public static synchronized List<String> problems(Path json) {
    SpdxToolsHelper.initialize();
    try {
      return Verify.verify(json.toString(), SpdxToolsHelper.SerFileType.JSON);
    } catch (SpdxVerificationException e) {
      return List.of("not readable as SPDX: " + e.getMessage());
    }
  }
}
