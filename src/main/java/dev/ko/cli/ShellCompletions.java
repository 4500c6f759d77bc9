package dev.ko.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Completion scripts for fish and PowerShell, written from the command model (picocli only makes
 * bash's): subcommands (with their aliases) and each one's flags, hidden ones left out. Static
 * scripts: they complete names and flags, not flag values (fish offers files for flags that take a
 * value).
 */
final class ShellCompletions {
  /** A visible subcommand: its names (name first, then aliases), description and options. */
  private record Sub(List<String> names, String description, List<OptionSpec> options) {}

  private final String program;
  private final List<OptionSpec> rootOptions;
  private final List<Sub> subs = new ArrayList<>();

  ShellCompletions(CommandLine root) {
    this.program = root.getCommandName();
    this.rootOptions = visible(root.getCommandSpec().options());
    Map<CommandSpec, List<String>> names = new LinkedHashMap<>();
    root.getSubcommands()
        .forEach(
            (name, cl) -> {
              if (!cl.getCommandSpec().usageMessage().hidden()) {
                names.computeIfAbsent(cl.getCommandSpec(), s -> new ArrayList<>()).add(name);
              }
            });
    names.forEach(
        (spec, n) -> {
          List<String> ordered = new ArrayList<>(List.of(spec.name()));
          n.stream().filter(x -> !x.equals(spec.name())).forEach(ordered::add);
          subs.add(
              new Sub(
                  ordered, firstLine(spec.usageMessage().description()), visible(spec.options())));
        });
  }

  private static List<OptionSpec> visible(List<OptionSpec> options) {
    return options.stream().filter(o -> !o.hidden()).toList();
  }

  private static String firstLine(String[] description) {
    return description.length == 0 ? "" : description[0].replaceAll("\\s+", " ").strip();
  }

  // ---------------------------------------------------------------- fish

  String fish() {
    StringBuilder b = new StringBuilder();
    b.append("# fish completion for ").append(program).append(" (ko-jvm)\n");
    b.append("# Load with: ").append(program).append(" completion fish | source\n");
    b.append("complete -c ").append(program).append(" -f\n");
    for (Sub s : subs) {
      for (String name : s.names()) {
        b.append("complete -c ")
            .append(program)
            .append(" -n '__fish_use_subcommand' -a ")
            .append(name)
            .append(" -d ")
            .append(fishQuote(s.description()))
            .append('\n');
      }
    }
    for (OptionSpec o : rootOptions) {
      b.append(fishOption(o, "__fish_use_subcommand"));
    }
    for (Sub s : subs) {
      String seen = "__fish_seen_subcommand_from " + String.join(" ", s.names());
      for (OptionSpec o : s.options()) {
        b.append(fishOption(o, seen));
      }
    }
    return b.toString();
  }

  private String fishOption(OptionSpec o, String condition) {
    StringBuilder b =
        new StringBuilder("complete -c ")
            .append(program)
            .append(" -n '")
            .append(condition)
            .append('\'');
    for (String name : o.names()) {
      if (name.startsWith("--")) {
        b.append(" -l ").append(name.substring(2));
      } else if (name.length() == 2) {
        b.append(" -s ").append(name.substring(1));
      } else {
        b.append(" -o ").append(name.substring(1));
      }
    }
    if (o.arity().max() > 0 && !o.typeInfo().isBoolean()) {
      b.append(" -r -F"); // takes a value; offer files (several flags name files)
    }
    return b.append(" -d ").append(fishQuote(firstLine(o.description()))).append('\n').toString();
  }

  private static String fishQuote(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  // ---------------------------------------------------------------- PowerShell

  String powershell() {
    StringBuilder b = new StringBuilder();
    b.append("# powershell completion for ").append(program).append(" (ko-jvm)\n");
    b.append("# Load with: ")
        .append(program)
        .append(" completion powershell | Out-String | Invoke-Expression\n");
    b.append("Register-ArgumentCompleter -Native -CommandName '")
        .append(program)
        .append("' -ScriptBlock {\n");
    b.append("  param($wordToComplete, $commandAst, $cursorPosition)\n");
    b.append("  $subcommands = [ordered]@{\n");
    for (Sub s : subs) {
      for (String name : s.names()) {
        b.append("    ")
            .append(psQuote(name))
            .append(" = @(")
            .append(psList(flags(s.options())))
            .append(")\n");
      }
    }
    b.append("  }\n");
    b.append("  $descriptions = @{\n");
    for (Sub s : subs) {
      for (String name : s.names()) {
        b.append("    ")
            .append(psQuote(name))
            .append(" = ")
            .append(psQuote(s.description()))
            .append('\n');
      }
    }
    b.append("  }\n");
    b.append("  $rootFlags = @(").append(psList(flags(rootOptions))).append(")\n");
    b.append(
        """
          $words = @($commandAst.CommandElements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
          if ($wordToComplete -ne '' -and $words.Count -gt 0) { $words = @($words | Select-Object -SkipLast 1) }
          $sub = $words | Where-Object { $subcommands.Contains($_) } | Select-Object -First 1
          if ($sub) {
            $candidates = @($subcommands[$sub])
          } elseif ($wordToComplete.StartsWith('-')) {
            $candidates = $rootFlags
          } else {
            $candidates = @($subcommands.Keys)
          }
          $candidates | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
            $tip = if ($descriptions.ContainsKey($_)) { $descriptions[$_] } else { $_ }
            [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $tip)
          }
        }
        """);
    return b.toString();
  }

  private static List<String> flags(List<OptionSpec> options) {
    List<String> out = new ArrayList<>();
    options.forEach(o -> out.addAll(List.of(o.names())));
    return out;
  }

  private static String psList(List<String> items) {
    return String.join(", ", items.stream().map(ShellCompletions::psQuote).toList());
  }

  private static String psQuote(String s) {
    return "'" + s.replace("'", "''") + "'";
  }
}
