package dev.ko.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code ko delete ...}: exactly {@code kubectl delete ...}, every argument passed on unchanged.
 */
@Command(name = "delete", description = "See \"kubectl help delete\" for detailed usage.")
final class DeleteCommand implements Callable<Integer> {
  @ParentCommand KoCommand root;

  @Spec CommandSpec spec;

  @Mixin HelpFlag help;

  /** Every argument is kubectl's; collected here so that picocli accepts them. */
  @Unmatched List<String> kubectlArgs = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    Kubectl kubectl = Kubectl.require(root, "delete");
    List<String> argv = new ArrayList<>();
    argv.add("delete");
    // The raw arguments after "delete", "--" included, in their order.
    argv.addAll(spec.commandLine().getParseResult().expandedArgs());
    int code = kubectl.run(argv);
    if (code != 0) {
      throw new IOException("error executing 'kubectl delete': exit status " + code);
    }
    return 0;
  }
}
