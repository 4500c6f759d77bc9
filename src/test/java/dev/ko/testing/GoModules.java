package dev.ko.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Small Go modules for tests: standard library only, {@code go 1.19}. */
public final class GoModules {
  private GoModules() {}

  /**
   * A module with one main package per name at {@code cmd/<name>}; each prints {@code hello from
   * <name>} and its arguments.
   */
  public static Path mainPackages(Path dir, String module, List<String> names) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("go.mod"), "module " + module + "\n\ngo 1.19\n");
      for (String name : names) {
        Path pkg = Files.createDirectories(dir.resolve("cmd").resolve(name));
        Files.writeString(
            pkg.resolve("main.go"),
            """
            package main

            import (
            \t"fmt"
            \t"os"
            )

            func main() {
            \tfmt.Println("hello from %s", os.Args[1:])
            }
            """
                .formatted(name));
      }
      Path lib = Files.createDirectories(dir.resolve("lib"));
      Files.writeString(
          lib.resolve("lib.go"),
          "package lib\n\n// Answer is not a main package.\nconst Answer = 42\n");
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
