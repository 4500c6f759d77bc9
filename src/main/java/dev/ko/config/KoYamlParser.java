package dev.ko.config;

import dev.ko.io.YamlDepthLimit;
import dev.ko.log.Log;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads one {@code .ko.yaml} the way ko's viper setup does (keys case-insensitive, a string where a
 * list is expected split on whitespace), but checks every value's type and reports problems with
 * the file, line and key.
 */
final class KoYamlParser {
  /**
   * What the file sets, keys in ko's spelling.
   *
   * @param baseImageOverrides import path (as written) to base image reference
   * @param lists {@code defaultPlatforms}, {@code defaultEnv}, {@code defaultFlags} and {@code
   *     defaultLdflags}, those given
   * @param origins {@code file:line} of each key given
   */
  record Values(
      String defaultBaseImage,
      Map<String, String> baseImageOverrides,
      Map<String, List<String>> lists,
      List<KoConfig.Build> builds,
      String cacheRepo,
      String referrers,
      Map<String, String> origins,
      Map<String, String> supplyChain) {}

  private static final List<String> BUILD_KEYS =
      List.of("id", "dir", "main", "env", "flags", "ldflags", "linux_capabilities");

  private final Path file;
  private final String fileName;
  private final Log log;

  KoYamlParser(Path file, Log log) {
    this.file = file;
    this.fileName = file.toString();
    this.log = log;
  }

  /** The file's values; unknown top-level keys are logged as warnings. */
  Values read() {
    String defaultBaseImage = "";
    String cacheRepo = "";
    String referrers = "";
    Map<String, String> supplyChain = new LinkedHashMap<>();
    Map<String, String> overrides = new LinkedHashMap<>();
    Map<String, List<String>> lists = new LinkedHashMap<>();
    List<KoConfig.Build> builds = new ArrayList<>();
    Map<String, String> origins = new LinkedHashMap<>();
    Node root = parse();
    if (root != null && !isNull(root)) {
      if (!(root instanceof MappingNode mapping)) {
        throw error(root, "expected a mapping of keys at the top level, got " + kind(root));
      }
      for (Map.Entry<String, Entry> e : entries(mapping, "").entrySet()) {
        Entry entry = e.getValue();
        String key = canonical(e.getKey(), KoConfig.KEYS);
        if (key == null) {
          log.info("WARNING: " + at(entry.key) + ": unknown key '" + entry.name + "' is ignored");
          continue;
        }
        if (isNull(entry.value)) {
          continue;
        }
        origins.put(key, at(entry.key));
        switch (key) {
          case KoConfig.DEFAULT_BASE_IMAGE -> defaultBaseImage = string(entry.value, key);
          case KoConfig.BASE_IMAGE_OVERRIDES -> overrides.putAll(stringMap(entry.value, key));
          case KoConfig.BUILDS -> builds.addAll(builds(entry.value));
          case KoConfig.CACHE_REPO -> cacheRepo = string(entry.value, key);
          case KoConfig.REFERRERS -> referrers = string(entry.value, key);
          case KoConfig.SIGN_KEY, KoConfig.PROVENANCE, KoConfig.SOURCE_ANNOTATIONS ->
              supplyChain.put(key, string(entry.value, key));
          default -> lists.put(key, stringList(entry.value, key, Split.FIELDS));
        }
      }
    }
    return new Values(
        defaultBaseImage, overrides, lists, builds, cacheRepo, referrers, origins, supplyChain);
  }

  private Node parse() {
    LoadSettings settings =
        LoadSettings.builder()
            .setLabel(file.toString())
            .setSchema(new CoreSchema())
            .setAllowDuplicateKeys(true) // detected below, case-insensitively, with both lines
            .setCodePointLimit(64 * 1024 * 1024)
            .build();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      Iterator<Node> documents =
          new Composer(
              settings,
              new YamlDepthLimit(new ParserImpl(settings, new StreamReader(settings, r))));
      if (!documents.hasNext()) {
        return null;
      }
      return documents.next(); // like yaml.v3 Unmarshal, only the first document counts
    } catch (MarkedYamlEngineException e) {
      Optional<Mark> mark = e.getProblemMark().or(e::getContextMark);
      String where =
          mark.map(m -> file + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1))
              .orElse(file.toString());
      StringBuilder message = new StringBuilder();
      if (e.getContext() != null && !e.getContext().isBlank()) {
        message.append(oneLine(e.getContext())).append(": ");
      }
      message.append(oneLine(e.getProblem()));
      Optional<Mark> context = e.getContextMark();
      if (context.isPresent()
          && mark.isPresent()
          && context.get().getLine() != mark.get().getLine()) {
        message.append(" (started at line ").append(context.get().getLine() + 1).append(')');
      }
      throw new IllegalArgumentException(where + ": invalid YAML: " + message, e);
    } catch (YamlEngineException e) {
      throw new IllegalArgumentException(file + ": invalid YAML: " + oneLine(e.getMessage()), e);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(
          "error reading config file: " + file + ": no such file or directory", e);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "error reading config file: " + file + ": " + e.getMessage(), e);
    }
  }

  /** A mapping entry: the key as written, its node and the value node. */
  private record Entry(String name, Node key, Node value) {}

  /**
   * A mapping's entries by lower-cased key (viper and mapstructure match keys case-insensitively),
   * with {@code <<} merge keys applied. Keys written twice are an error, as in yaml.v3.
   */
  private Map<String, Entry> entries(MappingNode mapping, String path) {
    Map<String, Entry> out = new LinkedHashMap<>();
    List<NodeTuple> merged = new ArrayList<>();
    for (NodeTuple t : mapping.getValue()) {
      Node k = t.getKeyNode();
      if (k.getTag().equals(Tag.MERGE)) {
        merged.add(t);
        continue;
      }
      if (!(k instanceof ScalarNode scalar)) {
        throw error(
            k,
            "expected a string key"
                + (path.isEmpty() ? "" : " in '" + path + "'")
                + ", got "
                + kind(k));
      }
      String lower = scalar.getValue().toLowerCase(Locale.ROOT);
      Entry previous = out.get(lower);
      if (previous != null) {
        throw error(
            k,
            "'"
                + qualified(path, scalar.getValue())
                + "' is already defined at line "
                + line(previous.key));
      }
      out.put(lower, new Entry(scalar.getValue(), k, t.getValueNode()));
    }
    // Merged entries fill in keys the mapping does not set itself.
    for (NodeTuple t : merged) {
      Node v = t.getValueNode();
      List<Node> sources = v instanceof SequenceNode seq ? seq.getValue() : List.of(v);
      for (Node source : sources) {
        if (!(source instanceof MappingNode m)) {
          throw error(source, "'<<' expects a mapping or a list of mappings, got " + kind(source));
        }
        entries(m, path).forEach(out::putIfAbsent);
      }
    }
    return out;
  }

  /** How a scalar given where a list is expected becomes a list. */
  private enum Split {
    /** {@code strings.Fields}: viper's string-to-slice and ko's {@code FlagArray}. */
    FIELDS,
    /**
     * The whole string is one element: ko's {@code StringArray} and mapstructure's weak decoding.
     */
    SINGLE
  }

  private String string(Node n, String key) {
    if (n instanceof ScalarNode s) {
      return s.getValue();
    }
    throw error(n, "'" + key + "': expected a string, got " + kind(n));
  }

  private List<String> stringList(Node n, String key, Split split) {
    if (n instanceof ScalarNode s) {
      return split == Split.FIELDS ? fields(s.getValue()) : List.of(s.getValue());
    }
    if (n instanceof SequenceNode seq) {
      List<String> out = new ArrayList<>();
      for (Node item : seq.getValue()) {
        if (!(item instanceof ScalarNode s) || isNull(item)) {
          throw error(
              item, "'" + key + "': expected a list of strings, got " + kind(item) + " as an item");
        }
        out.add(s.getValue());
      }
      return out;
    }
    throw error(n, "'" + key + "': expected a string or a list of strings, got " + kind(n));
  }

  private Map<String, String> stringMap(Node n, String key) {
    if (!(n instanceof MappingNode m)) {
      throw error(
          n, "'" + key + "': expected a mapping of import path to image reference, got " + kind(n));
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Entry e : entries(m, key).values()) {
      if (isNull(e.value)) {
        out.put(e.name, "");
      } else if (e.value instanceof ScalarNode s) {
        out.put(e.name, s.getValue());
      } else {
        throw error(
            e.value,
            "'" + key + "." + e.name + "': expected an image reference, got " + kind(e.value));
      }
    }
    return out;
  }

  private List<KoConfig.Build> builds(Node n) {
    if (!(n instanceof SequenceNode seq)) {
      throw error(n, "'builds': expected a list of build configs, got " + kind(n));
    }
    List<KoConfig.Build> out = new ArrayList<>();
    for (int i = 0; i < seq.getValue().size(); i++) {
      out.add(build(i, seq.getValue().get(i)));
    }
    return out;
  }

  private KoConfig.Build build(int index, Node n) {
    String name = "builds[" + index + "]";
    if (!(n instanceof MappingNode m)) {
      throw error(n, "'" + name + "': expected a build config (a mapping), got " + kind(n));
    }
    Map<String, String> origins = new LinkedHashMap<>();
    origins.put("", located(at(n), name));
    String id = "";
    String dir = "";
    String main = "";
    List<String> env = null;
    List<String> flags = null;
    List<String> ldflags = null;
    List<String> caps = null;
    for (Map.Entry<String, Entry> e : entries(m, name).entrySet()) {
      String key = canonical(e.getKey(), BUILD_KEYS);
      Entry entry = e.getValue();
      if (key == null) {
        // GoReleaser's other build keys (goos, goarch, binary, hooks, ...) mean nothing to ko.
        log.debug(at(entry.key) + ": ignoring '" + name + "." + entry.name + "'");
        continue;
      }
      if (isNull(entry.value)) {
        continue;
      }
      String qualified = name + "." + key;
      origins.put(key, located(at(entry.key), qualified));
      switch (key) {
        case "id" -> id = string(entry.value, qualified);
        case "dir" -> dir = string(entry.value, qualified);
        case "main" -> main = string(entry.value, qualified);
        case "env" -> env = stringList(entry.value, qualified, Split.SINGLE);
        case "flags" -> flags = stringList(entry.value, qualified, Split.FIELDS);
        case "ldflags" -> ldflags = stringList(entry.value, qualified, Split.SINGLE);
        default -> caps = stringList(entry.value, qualified, Split.FIELDS);
      }
    }
    // ko's defaults, applied here once.
    return new KoConfig.Build(
        id.isEmpty() ? "#" + index : id,
        dir.isEmpty() ? "." : dir,
        main.isEmpty() ? "." : main,
        env,
        flags,
        ldflags,
        caps,
        origins);
  }

  /** Go's {@code strings.Fields}. */
  static List<String> fields(String s) {
    List<String> out = new ArrayList<>();
    for (String f : s.strip().split("\\s+", -1)) {
      if (!f.isEmpty()) {
        out.add(f);
      }
    }
    return out;
  }

  private static String canonical(String lowerKey, List<String> known) {
    for (String k : known) {
      if (k.toLowerCase(Locale.ROOT).equals(lowerKey)) {
        return k;
      }
    }
    return null;
  }

  private static boolean isNull(Node n) {
    return n instanceof ScalarNode && n.getTag().equals(Tag.NULL);
  }

  private static String kind(Node n) {
    if (n instanceof MappingNode) {
      return "a mapping";
    }
    if (n instanceof SequenceNode) {
      return "a list";
    }
    if (isNull(n)) {
      return "null";
    }
    return "\"" + ((ScalarNode) n).getValue() + "\"";
  }

  private static String qualified(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static int line(Node n) {
    return n.getStartMark().map(m -> m.getLine() + 1).orElse(0);
  }

  private String at(Node n) {
    int line = line(n);
    return line == 0 ? fileName : fileName + ":" + line;
  }

  /** {@code file:line: builds[i].key}, or just the name when the position is unknown. */
  private static String located(String at, String name) {
    return at.isEmpty() ? name : at + ": " + name;
  }

  private IllegalArgumentException error(Node n, String message) {
    return new IllegalArgumentException(at(n) + ": " + message);
  }

  static String oneLine(String s) {
    return s == null ? "" : s.strip().replaceAll("\\s*\\n\\s*", " ");
  }
}
