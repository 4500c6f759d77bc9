package dev.ko.resolve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * ko's {@code -f}/{@code -R} enumeration: {@code -} is stdin; a named file is taken whatever its
 * extension; a directory gives its {@code .yaml}, {@code .yml} and {@code .json} files in lexical
 * order (ko skips {@code .yml}; we do not), and its sub-directories only with {@code -R}, visited
 * in place like Go's {@code filepath.Walk}.
 */
public final class ManifestFiles {
  /** The name that stands for standard input. */
  public static final String STDIN = "-";

  private ManifestFiles() {}

  /**
   * The files to read, named as the user will see them in errors ({@code config/app.yaml}).
   *
   * @param workingDirectory what relative names are relative to
   */
  public static List<String> enumerate(
      List<String> filenames, boolean recursive, Path workingDirectory) throws IOException {
    List<String> out = new ArrayList<>();
    for (String name : filenames) {
      if (name.equals(STDIN)) {
        out.add(name);
        continue;
      }
      Path path = workingDirectory.resolve(name);
      if (!Files.exists(path)) {
        throw new NoSuchFileException(name, null, "no such file or directory");
      }
      if (Files.isDirectory(path)) {
        walk(path, name, recursive, out);
      } else {
        out.add(name);
      }
    }
    return out;
  }

  private static void walk(Path dir, String name, boolean recursive, List<String> out)
      throws IOException {
    List<Path> entries;
    try (Stream<Path> s = Files.list(dir)) {
      entries = new ArrayList<>(s.toList());
    }
    entries.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
    for (Path entry : entries) {
      String entryName = join(name, entry.getFileName().toString());
      if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
        if (recursive) {
          walk(entry, entryName, true, out);
        }
      } else if (isManifest(entryName)) {
        out.add(entryName);
      }
    }
  }

  static boolean isManifest(String name) {
    return name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json");
  }

  private static String join(String dir, String entry) {
    return dir.endsWith("/") ? dir + entry : dir + "/" + entry;
  }

  /** Reads one enumerated name relative to the working directory. */
  public static byte[] read(String name, Path workingDirectory) throws IOException {
    return Files.readAllBytes(workingDirectory.resolve(name));
  }
}
