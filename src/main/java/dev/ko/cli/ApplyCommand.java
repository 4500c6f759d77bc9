package dev.ko.cli;

import picocli.CommandLine.Command;

/** {@code ko apply -f FILENAME [-- kubectl args]}: resolve into {@code kubectl apply -f -}. */
@Command(
    name = "apply",
    description =
        "Apply the input files with image references resolved to built/pushed image digests.",
    sortOptions = false)
final class ApplyCommand extends KubectlApplyCommand {
  @Override
  String verb() {
    return "apply";
  }
}
