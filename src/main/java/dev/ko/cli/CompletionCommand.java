package dev.ko.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ko completion [bash|zsh]}: a shell completion script on stdout. */
@Command(name = "completion", description = "Generate the autocompletion script for the specified shell (bash or zsh).")
final class CompletionCommand implements Callable<Integer> {
  @ParentCommand KoCommand root;

  @Mixin HelpFlag help;

  @Spec CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "SHELL", defaultValue = "bash", description = "bash or zsh")
  String shell;

  @Override
  public Integer call() {
    if (!shell.equals("bash") && !shell.equals("zsh")) {
      throw new IllegalArgumentException("completion for shell \"" + shell + "\" is not supported: want bash or zsh");
    }
    // picocli's script serves both: zsh loads it through bashcompinit.
    String script = AutoComplete.bash("ko", spec.parent().commandLine());
    if (shell.equals("zsh")) {
      script = "autoload -U +X bashcompinit && bashcompinit\n" + script;
    }
    root.out().print(script);
    root.out().flush();
    return 0;
  }
}
