package dev.ko.cli;

import dev.ko.resolve.ManifestFiles;
import dev.ko.resolve.Resolver;
import dev.ko.resolve.Selector;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** ko's file and selector flags (resolve, apply, create). */
public final class FilenameFlags {
  @Option(
      names = {"-f", "--filename"},
      split = ",",
      paramLabel = "FILENAME",
      description = "Filename, directory, or URL to files to use to create the resource")
  List<String> filenames = new ArrayList<>();

  @Option(
      names = {"-R", "--recursive"},
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Process the directory used in -f, --filename recursively. Useful when you want to manage"
              + " related manifests organized within the same directory.")
  boolean recursive;

  @Option(
      names = {"-l", "--selector"},
      paramLabel = "SELECTOR",
      description =
          "Selector (label query) to filter on, supports '=', '==', and '!='.(e.g. -l"
              + " key1=value1,key2=value2)")
  String selector = "";

  /** The parsed selector; none when the flag is empty, as in ko. */
  Optional<Selector> selector() {
    return selector.isEmpty() ? Optional.empty() : Optional.of(Selector.parse(selector));
  }

  /**
   * Enumerates and reads every input up front, so that a bad name fails before anything is built.
   */
  List<Resolver.Input> read(KoCommand root) throws IOException {
    for (String name : filenames) {
      if (name.startsWith("http://") || name.startsWith("https://")) {
        throw new IllegalArgumentException(
            "error enumerating files: "
                + name
                + ": URLs are not supported, "
                + "download the file and pass its path");
      }
    }
    List<String> names;
    try {
      names = ManifestFiles.enumerate(filenames, recursive, root.workingDirectory());
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(
          "error enumerating files: " + e.getFile() + ": no such file or directory", e);
    }
    List<Resolver.Input> inputs = new ArrayList<>();
    for (String name : names) {
      byte[] content;
      try {
        content =
            name.equals(ManifestFiles.STDIN)
                ? root.in().readAllBytes()
                : ManifestFiles.read(name, root.workingDirectory());
      } catch (AccessDeniedException e) {
        throw new IOException("error reading " + name + ": permission denied", e);
      } catch (NoSuchFileException | FileNotFoundException e) {
        throw new IOException("error reading " + name + ": no such file or directory", e);
      } catch (IOException e) {
        throw new IOException("error reading " + name + ": " + e.getMessage(), e);
      }
      inputs.add(new Resolver.Input(name, content));
    }
    return inputs;
  }
}
