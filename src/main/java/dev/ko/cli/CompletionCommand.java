package dev.ko.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ko completion [bash|zsh|fish|powershell]}: a shell completion script on stdout. */
@Command(
    name = "completion",
    description =
        "Generate the autocompletion script for the specified shell (bash, zsh, fish or"
            + " powershell).")
final class CompletionCommand implements Callable<Integer> {
  @ParentCommand KoCommand root;

  @Mixin HelpFlag help;

  @Spec CommandSpec spec;

  @Parameters(
      arity = "0..1",
      paramLabel = "SHELL",
      defaultValue = "bash",
      description = "bash, zsh, fish or powershell")
  String shell;

  @Override
  public Integer call() {
    CommandLine ko = spec.parent().commandLine();
    String script =
        switch (shell) {
          // picocli's script serves both: zsh loads it through bashcompinit.
          case "bash" -> AutoComplete.bash("ko", ko);
          case "zsh" ->
              "autoload -U +X bashcompinit && bashcompinit\n" + AutoComplete.bash("ko", ko);
          case "fish" -> new ShellCompletions(ko).fish();
          case "powershell" -> new ShellCompletions(ko).powershell();
          default ->
              throw new IllegalArgumentException(
                  "completion for shell \""
                      + shell
                      + "\" is not supported: want bash, zsh, fish or powershell");
        };
    root.out().print(script);
    root.out().flush();
    return 0;
  }
}
