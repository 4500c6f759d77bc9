package dev.ko.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code ko version}. */
@Command(name = "version", description = "Print ko version.")
final class VersionCommand implements Callable<Integer> {
  @ParentCommand KoCommand root;

  @Mixin HelpFlag help;

  @Override
  public Integer call() {
    root.out().println(Version.get());
    root.out().flush();
    return 0;
  }
}
