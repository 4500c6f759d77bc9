package dev.ko.build;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code go list} says about one package.
 *
 * @param error go's error for the package, empty when it loaded
 */
public record GoPackage(
    String importPath, String name, Path dir, List<String> goFiles, String error) {
  public GoPackage {
    goFiles = List.copyOf(goFiles);
  }
}
