package dev.ko.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ko.process.ExternalCommand;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs the real {@code go} binary ({@code KO_GO_PATH}, else {@code go} from PATH). */
public final class ProcessGoToolchain implements GoToolchain {
  /**
   * Made on first use: the early go list of a cold start must not wait for it on the main thread.
   */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  private final String go;

  public ProcessGoToolchain(String go) {
    this.go = go;
  }

  @Override
  public List<GoPackage> list(Path dir, Map<String, String> env, List<String> patterns)
      throws IOException {
    List<String> cmd =
        new ArrayList<>(List.of("list", "-e", "-find", "-json=ImportPath,Name,Dir,GoFiles,Error"));
    cmd.addAll(patterns);
    ExternalCommand.Result r = run(dir, env, cmd);
    if (r.exit() != 0) {
      throw failure("go list", r);
    }
    List<GoPackage> out = new ArrayList<>();
    try (MappingIterator<JsonNode> it =
        Json.MAPPER.readerFor(JsonNode.class).readValues(r.stdout())) {
      while (it.hasNext()) {
        JsonNode p = it.next();
        List<String> files = new ArrayList<>();
        p.path("GoFiles").forEach(f -> files.add(f.asText()));
        String dirText = p.path("Dir").asText("");
        out.add(
            new GoPackage(
                p.path("ImportPath").asText(""),
                p.path("Name").asText(""),
                dirText.isEmpty() ? null : Path.of(dirText),
                files,
                firstLine(p.path("Error").path("Err").asText(""))));
      }
    }
    return out;
  }

  @Override
  public void build(Path dir, Map<String, String> env, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add("build");
    cmd.addAll(args);
    ExternalCommand.Result r = run(dir, env, cmd);
    if (r.exit() != 0) {
      throw failure("go build", r);
    }
  }

  @Override
  public String versionM(Path binary, Map<String, String> env) throws IOException {
    ExternalCommand.Result r =
        run(binary.getParent(), env, List.of("version", "-m", binary.toString()));
    if (r.exit() != 0) {
      throw failure("go version -m " + binary, r);
    }
    return r.stdoutText();
  }

  @Override
  public Map<String, String> env(Path dir, Map<String, String> env) throws IOException {
    ExternalCommand.Result r = run(dir, env, List.of("env"));
    if (r.exit() != 0) {
      throw failure("go env", r);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : r.stdoutText().split("\n", -1)) {
      int eq = line.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String value = line.substring(eq + 1).strip();
      if (value.length() > 1
          && ((value.startsWith("\"") && value.endsWith("\""))
              || (value.startsWith("'") && value.endsWith("'")))) {
        value = value.substring(1, value.length() - 1);
      }
      out.put(line.substring(0, eq).strip(), value);
    }
    return out;
  }

  @Override
  public byte[] output(Path dir, Map<String, String> env, List<String> args) throws IOException {
    ExternalCommand.Result r = run(dir, env, args);
    if (r.exit() != 0) {
      throw failure("go " + String.join(" ", args), r);
    }
    return r.stdout();
  }

  private ExternalCommand.Result run(Path dir, Map<String, String> env, List<String> args)
      throws IOException {
    try {
      return new ExternalCommand(go, env).in(dir).run(args);
    } catch (InterruptedIOException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException(
          e.getMessage() + " (is Go installed? set KO_GO_PATH to use another go)", e);
    }
  }

  private static GoCommandException failure(String what, ExternalCommand.Result r) {
    String output = r.output().strip();
    // go build's output (compiler errors, one per line) is logged where the build is announced, so
    // its first line is enough here. Nothing logs the other commands' output, and go often
    // explains over several lines (inconsistent vendoring: the reason, then "run: go mod
    // vendor"), so their message keeps all of go's words.
    String said = what.equals("go build") ? firstErrorLine(output) : output;
    return new GoCommandException(
        what + ": exit status " + r.exit() + (said.isEmpty() ? "" : ": " + said), output);
  }

  /** The first line that says something: go prefixes package headers with '#'. */
  private static String firstErrorLine(String output) {
    for (String line : output.split("\n", -1)) {
      String l = line.strip();
      if (!l.isEmpty() && !l.startsWith("#")) {
        return l;
      }
    }
    return "";
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).strip();
  }
}
