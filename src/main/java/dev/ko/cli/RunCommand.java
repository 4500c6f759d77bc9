package dev.ko.cli;

import dev.ko.build.Builder;
import dev.ko.config.Options;
import dev.ko.log.Log;
import dev.ko.name.Reference;
import dev.ko.publish.Publisher;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code ko run IMPORTPATH [-- kubectl args]}: build and publish, then {@code kubectl run <name>
 * --image <ref> --attach --rm --restart=Never --log-flush-frequency=1s <args after the first -->}.
 * Like ko, unknown flags are ignored.
 */
@Command(
    name = "run",
    description = "A variant of `kubectl run` that containerizes IMPORTPATH first.",
    sortOptions = false)
final class RunCommand implements Callable<Integer> {
  static final List<String> DEFAULTS =
      List.of("--attach", "--rm", "--restart=Never", "--log-flush-frequency=1s");

  @ParentCommand KoCommand root;

  @Spec CommandSpec spec;

  @Mixin HelpFlag help;

  @Mixin PublishFlags publishFlags;

  @Mixin BuildFlags buildFlags;

  @Parameters(
      paramLabel = "IMPORTPATH",
      arity = "0..*",
      description = "Go import paths, then \"--\" and arguments for kubectl run")
  List<String> positional = new ArrayList<>();

  /** Flags ko does not know: ignored, as ko does. */
  @Unmatched List<String> ignored = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    List<String> raw = spec.commandLine().getParseResult().expandedArgs();
    int dashes = raw.indexOf("--");
    List<String> kubectlArgs = dashes < 0 ? List.of() : raw.subList(dashes + 1, raw.size());
    // picocli takes everything after "--" as positional: what comes before are the import paths.
    List<String> importPaths =
        positional.subList(0, Math.max(0, positional.size() - kubectlArgs.size()));
    if (importPaths.isEmpty()) {
      throw new IllegalArgumentException("ko run: no importpaths listed");
    }
    if (raw.get(0).startsWith("-")) {
      throw new IllegalArgumentException(
          "expected first arg to be positional, got \"" + raw.get(0) + "\"");
    }
    Kubectl kubectl = Kubectl.require(root, "run");
    try (Wiring wiring = root.wiring()) {
      Options options = wiring.options(buildFlags, publishFlags);
      Publisher publisher = wiring.publisher(options.publish());
      Builder builder = wiring.builder(options);
      List<Publication.Published> published =
          Publication.buildAndPublish(builder, publisher, importPaths, wiring.tasks());
      Log log = wiring.log();
      for (Publication.Published p : published) {
        log.info("Running \"" + p.reference() + "\"");
        List<String> argv = argv(p.result(), kubectlArgs);
        log.info("$ kubectl " + String.join(" ", argv));
        int code = kubectl.run(argv);
        if (code != 0) {
          throw new IOException("error executing 'kubectl run': exit status " + code);
        }
      }
    }
    return 0;
  }

  /**
   * {@code run <pod> --image <ref> <defaults> <kubectl args>}; the pod is named after the
   * repository's last part.
   */
  static List<String> argv(String reference, List<String> kubectlArgs) {
    String repository = Reference.parse(reference).repository().path();
    String pod = repository.substring(repository.lastIndexOf('/') + 1);
    List<String> argv = new ArrayList<>(List.of("run", pod, "--image", reference));
    argv.addAll(DEFAULTS);
    argv.addAll(kubectlArgs);
    return argv;
  }
}
