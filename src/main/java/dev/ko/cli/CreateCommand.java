package dev.ko.cli;

import picocli.CommandLine.Command;

/** {@code ko create -f FILENAME [-- kubectl args]}: resolve into {@code kubectl create -f -}. */
@Command(
    name = "create",
    description =
        "Create the input files with image references resolved to built/pushed image digests.",
    sortOptions = false)
final class CreateCommand extends KubectlApplyCommand {
  @Override
  String verb() {
    return "create";
  }
}
