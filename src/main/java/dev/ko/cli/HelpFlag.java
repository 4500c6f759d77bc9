package dev.ko.cli;

import picocli.CommandLine.Option;

/** {@code -h/--help} for each command. */
final class HelpFlag {
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "help for this command")
  boolean help;
}
