package dev.ko.resolve;

import dev.ko.build.Builder;
import dev.ko.concurrent.Futures;
import dev.ko.concurrent.TaskGroup;
import dev.ko.oci.Artifact;
import dev.ko.publish.Publisher;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * {@code ko resolve}: finds the {@code ko://} references in YAML files, builds each distinct one
 * once (all in parallel; the builder bounds concurrent {@code go build}s), publishes them once all
 * built (again in parallel), and splices the published references into the original text. Every
 * other byte of the input is kept.
 *
 * <p>Nothing is returned unless every build and publish succeeded, so callers never emit half a
 * result; nothing is published unless every build succeeded.
 */
public final class Resolver {
  /** ko's separator after each file's output. */
  static final byte[] SEPARATOR = "\n---\n".getBytes(StandardCharsets.UTF_8);

  /** One input: its name as the user gave it ({@code -} for stdin) and its bytes. */
  public record Input(String name, byte[] content) {}

  /** One resolved file, in the input's encoding. */
  public record ResolvedFile(String name, byte[] content) {}

  private final Builder builder;
  private final Publisher publisher;
  private final ExecutorService executor;

  public Resolver(Builder builder, Publisher publisher, ExecutorService executor) {
    this.builder = builder;
    this.publisher = publisher;
    this.executor = executor;
  }

  /** One parsed file, what the selector kept of it, and the references in what was kept. */
  private record Pending(
      Input input, YamlFile file, Selection selection, List<KoReferences.Found> found) {}

  /**
   * Resolves the inputs, in order.
   *
   * @param selector ko's {@code -l}: when present, documents must be Kubernetes objects and only
   *     matching ones (and matching {@code List} items) are kept
   */
  public List<ResolvedFile> resolve(List<Input> inputs, Optional<Selector> selector)
      throws IOException {
    List<Pending> pending = new ArrayList<>();
    Map<String, String> fileOf =
        new LinkedHashMap<>(); // reference -> first file naming it, in order
    for (Input input : inputs) {
      Pending p = inFile(input.name(), () -> read(input, selector));
      pending.add(p);
      p.found().forEach(f -> fileOf.putIfAbsent(f.reference(), input.name()));
    }
    check(fileOf);
    Map<String, String> published = buildAndPublish(fileOf);
    List<ResolvedFile> out = new ArrayList<>();
    for (Pending p : pending) {
      out.add(new ResolvedFile(p.file().name(), render(p, published)));
    }
    return out;
  }

  /** Writes each file followed by ko's separator, {@code "\n---\n"}. */
  public static void write(List<ResolvedFile> files, OutputStream out) throws IOException {
    for (ResolvedFile f : files) {
      out.write(f.content());
      out.write(SEPARATOR);
    }
    out.flush();
  }

  private static Pending read(Input input, Optional<Selector> selector) {
    YamlFile file = YamlFile.parse(input.name(), input.content());
    Selection selection;
    try {
      selection = selector.map(s -> Selection.of(file, s)).orElseGet(() -> Selection.all(file));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("error evaluating selector: " + e.getMessage(), e);
    }
    return new Pending(
        input, file, selection, KoReferences.find(selection.roots(), selection.droppedItems()));
  }

  // ---------------------------------------------------------------- check, build, publish

  /**
   * Every reference must name a main package; checked in parallel, the first failure in file order
   * reported.
   */
  private void check(Map<String, String> fileOf) throws IOException {
    TaskGroup group = new TaskGroup(executor);
    Map<String, CompletableFuture<Void>> checks = new LinkedHashMap<>();
    for (String ref : fileOf.keySet()) {
      checks.put(
          ref,
          group.submit(
              () -> {
                builder.checkSupported(ref);
                return null;
              }));
    }
    try {
      for (Map.Entry<String, CompletableFuture<Void>> c : checks.entrySet()) {
        String ref = c.getKey();
        inFile(
            fileOf.get(ref),
            () -> {
              try {
                return Futures.join(c.getValue());
              } catch (InterruptedIOException e) {
                throw e;
              } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException(
                    "error resolving image references: found strict reference but "
                        + ref
                        + " is not a valid import path: "
                        + message(e),
                    e);
              }
            });
      }
    } catch (IOException | RuntimeException e) {
      group.cancel();
      throw e;
    }
  }

  /**
   * Builds every reference at once, then publishes them all at once: a failed build leaves the
   * registry (and its tags) untouched. The first failure fails the whole and stops the rest.
   */
  private Map<String, String> buildAndPublish(Map<String, String> fileOf) throws IOException {
    List<String> refs = List.copyOf(fileOf.keySet());
    TaskGroup builds = new TaskGroup(executor);
    List<CompletableFuture<Artifact>> building = new ArrayList<>();
    for (String ref : refs) {
      building.add(
          builds.submit(
              () ->
                  inFile(
                      fileOf.get(ref),
                      () -> {
                        try {
                          return builder.build(ref);
                        } catch (IOException | RuntimeException e) {
                          throw rethrow(
                              "error resolving image references: error building \"" + ref + "\": ",
                              e);
                        }
                      })));
    }
    List<Artifact> artifacts = builds.joinAll(building);
    TaskGroup publishes = new TaskGroup(executor);
    List<CompletableFuture<String>> publishing = new ArrayList<>();
    for (int i = 0; i < refs.size(); i++) {
      String ref = refs.get(i);
      Artifact artifact = artifacts.get(i);
      publishing.add(
          publishes.submit(
              () ->
                  inFile(
                      fileOf.get(ref),
                      () -> {
                        try {
                          return publisher.publish(artifact, ref);
                        } catch (IOException | RuntimeException e) {
                          throw rethrow(
                              "error resolving image references: error publishing " + ref + ": ",
                              e);
                        }
                      })));
    }
    List<String> published = publishes.joinAll(publishing);
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < refs.size(); i++) {
      out.put(refs.get(i), published.get(i));
    }
    return out;
  }

  // ---------------------------------------------------------------- splice

  private static byte[] render(Pending p, Map<String, String> published) {
    YamlFile file = p.file();
    if (p.found().isEmpty() && p.selection().deletions().isEmpty()) {
      return p.input().content();
    }
    List<Edit> edits = new ArrayList<>(p.selection().deletions());
    Map<Integer, String> newValues = new LinkedHashMap<>();
    for (KoReferences.Found f : p.found()) {
      String value = published.get(f.reference());
      edits.addAll(ScalarEdits.replace(file, f.node(), value));
      newValues.put(file.start(f.node()), value);
    }
    String text = Edit.apply(file.text(), edits);
    verify(p, newValues, text);
    return file.encode(text);
  }

  /**
   * Parses the result again and checks it holds the same scalars as the kept input, with exactly
   * the references replaced: a splice that changed anything else is a bug, never output.
   */
  private static void verify(Pending p, Map<Integer, String> newValues, String text) {
    YamlFile in = p.file();
    List<String> expected = new ArrayList<>();
    for (YamlFile.Scalar s : in.scalars()) {
      if (!p.selection().drops(s)) {
        expected.add(newValues.getOrDefault(s.start(), s.value()));
      }
    }
    List<String> actual = new ArrayList<>();
    try {
      YamlFile.parse(in.name(), text, in.charset()).scalars().forEach(s -> actual.add(s.value()));
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "resolving "
              + in.name()
              + " produced YAML that does not parse (a bug in ko-jvm): "
              + e.getMessage(),
          e);
    }
    if (!expected.equals(actual)) {
      throw new IllegalStateException(
          "resolving " + in.name() + " changed more than the references (a bug in ko-jvm)");
    }
  }

  // ---------------------------------------------------------------- errors

  private interface Step<T> {
    T run() throws IOException;
  }

  /**
   * ko's context for everything about one file: {@code error processing import paths in "<file>":
   * ...}.
   */
  private static <T> T inFile(String name, Step<T> step) throws IOException {
    try {
      return step.run();
    } catch (InterruptedIOException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw rethrow("error processing import paths in \"" + name + "\": ", e);
    }
  }

  /** The same kind of exception with context in front of its message. */
  private static RuntimeException rethrow(String context, Exception e) throws IOException {
    if (e instanceof UncheckedIOException u) {
      throw new IOException(context + message(u.getCause()), u.getCause());
    }
    if (e instanceof IOException) {
      throw new IOException(context + message(e), e);
    }
    if (e instanceof IllegalStateException) {
      return new IllegalStateException(context + message(e), e);
    }
    return new IllegalArgumentException(context + message(e), e);
  }

  private static String message(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
