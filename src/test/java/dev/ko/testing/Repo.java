package dev.ko.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/** The project checkout and its example module. */
public final class Repo {
  private Repo() {}

  /** The project root (where pom.xml is); Maven runs tests there. */
  public static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("pom.xml"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException(
          "cannot find the project root from " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  /** A copy of {@code example/} (symlinks kept as symlinks) in {@code target}. */
  public static Path copyExample(Path target) {
    copyTree(root().resolve("example"), target);
    return target;
  }

  public static void copyTree(Path from, Path to) {
    try {
      Files.walkFileTree(
          from,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
                throws IOException {
              Files.createDirectories(to.resolve(from.relativize(dir).toString()));
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Path dest = to.resolve(from.relativize(file).toString());
              if (Files.isSymbolicLink(file)) {
                Files.createSymbolicLink(dest, Files.readSymbolicLink(file));
              } else {
                Files.copy(
                    file, dest, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
