package dev.ko.cli;

import dev.ko.config.EnvironmentOptions;
import dev.ko.log.Log;
import dev.ko.name.BadNameException;
import dev.ko.name.Registry;
import dev.ko.registry.DockerLogin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code ko login SERVER}: crane's {@code auth login}, storing credentials for later pushes and
 * pulls.
 */
@Command(
    name = "login",
    description = "Log in to a registry",
    footer = {
      "",
      "Example:",
      "  # Log in to reg.example.com",
      "  ko login reg.example.com -u AzureDiamond -p hunter2"
    },
    sortOptions = false)
final class LoginCommand implements Callable<Integer> {
  @ParentCommand KoCommand root;

  @Mixin HelpFlag help;

  @Option(
      names = {"-u", "--username"},
      description = "Username")
  String username = "";

  @Option(
      names = {"-p", "--password"},
      description = "Password")
  String password = "";

  @Option(names = "--password-stdin", description = "Take the password from stdin")
  boolean passwordStdin;

  @Parameters(paramLabel = "SERVER", arity = "1", description = "The registry to log in to")
  String server;

  @Override
  public Integer call() throws IOException {
    Log log = root.log();
    if (passwordStdin) {
      password = trimOneNewline(new String(root.in().readAllBytes(), StandardCharsets.UTF_8));
    }
    Registry registry;
    try {
      registry = Registry.parse(server);
    } catch (BadNameException e) {
      throw new IllegalArgumentException(
          "invalid registry \"" + server + "\": " + e.getMessage(), e);
    }
    if (username.isEmpty() && password.isEmpty()) {
      throw new IllegalArgumentException("username and password required");
    }
    Path file =
        new DockerLogin(EnvironmentOptions.keychainSources(root.env()))
            .login(registry, username, password);
    log.info("logged in via " + file);
    return 0;
  }

  /** crane trims one trailing newline, then one carriage return. */
  static String trimOneNewline(String s) {
    String t = s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    return t.endsWith("\r") ? t.substring(0, t.length() - 1) : t;
  }
}
