package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.build.EarlyGo;
import dev.ko.config.Env;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The picocli-free parser reads every command line it accepts exactly as picocli does, declines the
 * rest, and knows exactly picocli's options for its commands.
 */
class QuickCommandLineTest {
  private static KoCommand root() {
    PrintStream none = new PrintStream(PrintStream.nullOutputStream());
    return new KoCommand(
        new Env(Map.of()),
        Path.of("/w"),
        InputStream.nullInputStream(),
        none,
        none,
        false,
        EarlyGo.NONE,
        Warm.NONE);
  }

  /** What a parsed command holds, for comparing the two parsers. */
  private static List<Object> state(Object command, KoCommand root) {
    if (command instanceof BuildCommand b) {
      return List.of(root.verbose(), b.buildFlags.values(), b.publishFlags.values(), b.importPaths);
    }
    ResolveCommand r = (ResolveCommand) command;
    return List.of(
        root.verbose(),
        r.buildFlags.values(),
        r.publishFlags.values(),
        r.filenameFlags.filenames,
        r.filenameFlags.recursive,
        r.filenameFlags.selector);
  }

  private static List<Object> picocli(String... args) {
    KoCommand root = root();
    CommandLine.ParseResult parsed = new CommandLine(root).parseArgs(args);
    Object command = parsed.subcommand().commandSpec().userObject();
    return state(command, root);
  }

  @Test
  void acceptedCommandLinesParseAsPicocliParsesThem() {
    List<String[]> lines =
        List.of(
            new String[] {"build"},
            new String[] {"build", "./cmd/app"},
            new String[] {"publish", "-v", "./a", "./b", "ko://example.com/c"},
            new String[] {"-v", "build", "."},
            new String[] {"build", "-t", "v1", "-t", "v2,v3", "--tags=stable", "."},
            new String[] {"build", "--push=false", "--bare", "-B", "-P", "--tag-only", "."},
            new String[] {"build", "--local=false", "--insecure-registry=true", "."},
            new String[] {
              "build", "--platform=linux/amd64,linux/arm64", "--platform", "linux/s390x"
            },
            new String[] {"build", "--jobs=4", "--sbom", "none", "--sbom-dir=out"},
            new String[] {"build", "--sbom=cyclonedx", "--sbom-dir", "out", "."},
            new String[] {"build", "--ldflags=-s", "--ldflags=-w,-X=main.v=1", "."},
            new String[] {
              "build", "--image-label", "a=b,c=d", "--image-annotation=x=y", "--image-user", "1:1"
            },
            new String[] {
              "build", "--oci-layout-path", "l", "--tarball=t.tar", "--image-refs", "refs"
            },
            new String[] {"build", "--disable-optimizations", "--debug=false", "."},
            new String[] {"resolve", "-f", "config/", "-R", "-l", "app=web"},
            new String[] {
              "resolve", "--filename=a.yaml,b.yaml", "-f", "-", "--recursive=false", "-t", "x"
            },
            new String[] {"resolve", "-v", "-f", "c", "--platform=all", "--selector", "!app"});
    for (String[] args : lines) {
      KoCommand root = root();
      Callable<Integer> quick = QuickCommandLine.parse(args, root);
      assertThat(quick).as(String.join(" ", args)).isNotNull();
      assertThat(state(quick, root)).as(String.join(" ", args)).isEqualTo(picocli(args));
    }
  }

  @Test
  void anythingElseIsLeftToPicocli() {
    List<String[]> lines =
        List.of(
            new String[] {},
            new String[] {"version"},
            new String[] {"apply", "-f", "x"},
            new String[] {"build", "--help"},
            new String[] {"build", "-h"},
            new String[] {"build", "--no-such-flag"},
            new String[] {"build", "-BP"},
            new String[] {"build", "-tv1"},
            new String[] {"build", "--push", "false"},
            new String[] {"build", "--push=maybe"},
            new String[] {"build", "-j", "two"},
            new String[] {"build", "-t"},
            new String[] {"build", "-t", "-v"},
            new String[] {"build", "--tags="},
            new String[] {"build", "--tags=a,,b"},
            new String[] {"build", "--tags=\"a\""},
            new String[] {"build", "--", "x"},
            new String[] {"build", "-j", "3", "--jobs=4"},
            new String[] {"build", "--local", "-L=false"},
            new String[] {"build", "--sbom", "none", "--sbom=spdx"},
            new String[] {"resolve", "-f", "a", "stray"});
    for (String[] args : lines) {
      assertThat(QuickCommandLine.parse(args, root())).as(String.join(" ", args)).isNull();
    }
  }

  @Test
  void itKnowsExactlyPicocliOptionsOfItsCommands() {
    CommandLine cl = new CommandLine(root());
    for (String command : List.of("build", "resolve")) {
      Set<String> picocli = new HashSet<>(cl.getCommandSpec().optionsMap().keySet());
      picocli.addAll(cl.getSubcommands().get(command).getCommandSpec().optionsMap().keySet());
      picocli.removeAll(Set.of("-h", "--help"));
      assertThat(QuickCommandLine.optionNames(command)).as(command).isEqualTo(picocli);
    }
  }
}
