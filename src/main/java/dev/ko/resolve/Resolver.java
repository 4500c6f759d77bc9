package dev.ko.resolve;

import dev.ko.build.Builder;
import dev.ko.concurrent.Futures;
import dev.ko.concurrent.TaskGroup;
import dev.ko.errors.ErrorContext;
import dev.ko.oci.Artifact;
import dev.ko.publish.Publisher;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

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
  @SuppressWarnings("ArrayRecordComponent") // only read, never changed or compared
  public record Input(String name, byte[] content) {}

  /** One resolved file, in the input's encoding. */
  @SuppressWarnings("ArrayRecordComponent") // handed to the writer; never changed or compared
  public record ResolvedFile(String name, byte[] content) {}

  private final Builder builder;
  private final Publisher publisher;

  public Resolver(Builder builder, Publisher publisher) {
    this.builder = builder;
    this.publisher = publisher;
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
  public List<ResolvedFile> resolve(
      List<Input> inputs, Optional<Selector> selector, TaskGroup tasks) throws IOException {
    return tasks.join(start(inputs, selector, tasks));
  }

  /**
   * As {@link #resolve}, without waiting: the inputs are parsed (and bad ones rejected) now, the
   * rest runs on {@code tasks}.
   */
  public CompletableFuture<List<ResolvedFile>> start(
      List<Input> inputs, Optional<Selector> selector, TaskGroup tasks) throws IOException {
    List<Pending> pending = new ArrayList<>();
    Map<String, String> fileOf =
        new LinkedHashMap<>(); // reference -> first file naming it, in order
    for (Input input : inputs) {
      Pending p = inFile(input.name(), () -> read(input, selector));
      pending.add(p);
      p.found().forEach(f -> fileOf.putIfAbsent(f.reference(), input.name()));
    }
    return check(fileOf, tasks)
        .thenCompose(checked -> buildAndPublish(fileOf, tasks))
        .thenApply(
            published -> {
              List<ResolvedFile> out = new ArrayList<>();
              for (Pending p : pending) {
                out.add(new ResolvedFile(p.file().name(), render(p, published)));
              }
              return out;
            });
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
    Selection selection = selector.map(Selection::of).orElseGet(Selection::all);
    List<KoReferences.Found> found = new ArrayList<>();
    // Document by document: each tree is searched and dropped before the next is read.
    YamlFile file =
        YamlFile.parse(
            input.name(),
            input.content(),
            (f, doc) -> {
              Selection.Kept kept;
              try {
                kept = selection.add(f, doc);
              } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                    "error evaluating selector: " + e.getMessage(), e);
              }
              found.addAll(KoReferences.find(f, kept.roots(), kept.droppedItems()));
            });
    return new Pending(input, file, selection, List.copyOf(found));
  }

  // ---------------------------------------------------------------- check, build, publish

  /**
   * Every reference must name a main package; checked in parallel, the first failure in file order
   * reported.
   */
  private CompletableFuture<Void> check(Map<String, String> fileOf, TaskGroup tasks) {
    CompletableFuture<Void> prepared =
        tasks.fork(
            () -> {
              builder.prepare(fileOf.keySet());
              return null;
            });
    CompletableFuture<Void> inOrder = CompletableFuture.completedFuture(null);
    for (String ref : fileOf.keySet()) {
      CompletableFuture<Void> check =
          tasks.then(
              prepared,
              v -> {
                builder.checkSupported(ref);
                return null;
              });
      String context =
          FILE_CONTEXT.formatted(fileOf.get(ref))
              + "error resolving image references: found strict reference but "
              + ref
              + " is not a valid import path: ";
      inOrder = inOrder.thenCompose(previous -> notAReference(check, context));
    }
    return inOrder;
  }

  /** A failed check, whatever its kind, is bad input: the reference is not one ko can build. */
  private static CompletableFuture<Void> notAReference(
      CompletableFuture<Void> check, String context) {
    @SuppressWarnings("FutureReturnValueIgnored") // a nested future, flattened right below
    CompletableFuture<CompletableFuture<Void>> outcome =
        check.handle(
            (v, failure) -> {
              Throwable cause = Futures.cause(failure);
              if (cause == null || cause instanceof InterruptedIOException) {
                return check;
              }
              return CompletableFuture.<Void>failedFuture(
                  new IllegalArgumentException(context + ErrorContext.message(cause), cause));
            });
    return outcome.thenCompose(f -> f);
  }

  /**
   * Builds every reference at once, then publishes them all at once: a failed build leaves the
   * registry (and its tags) untouched. The first failure fails the whole and stops the rest.
   */
  private CompletableFuture<Map<String, String>> buildAndPublish(
      Map<String, String> fileOf, TaskGroup tasks) {
    List<String> refs = List.copyOf(fileOf.keySet());
    List<CompletableFuture<Artifact>> building = new ArrayList<>();
    for (String ref : refs) {
      building.add(
          Futures.withContext(
              builder.build(ref, tasks),
              FILE_CONTEXT.formatted(fileOf.get(ref))
                  + "error resolving image references: error building \""
                  + ref
                  + "\": "));
    }
    return TaskGroup.all(building)
        .thenCompose(
            artifacts -> {
              List<CompletableFuture<String>> publishing = new ArrayList<>();
              for (int i = 0; i < refs.size(); i++) {
                String ref = refs.get(i);
                publishing.add(
                    Futures.withContext(
                        publisher.publish(artifacts.get(i), ref, tasks),
                        FILE_CONTEXT.formatted(fileOf.get(ref))
                            + "error resolving image references: error publishing "
                            + ref
                            + ": "));
              }
              return TaskGroup.all(publishing);
            })
        .thenApply(
            published -> {
              Map<String, String> out = new LinkedHashMap<>();
              for (int i = 0; i < refs.size(); i++) {
                out.put(refs.get(i), published.get(i));
              }
              return out;
            });
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
      edits.addAll(ScalarEdits.replace(file, f, value));
      newValues.put(f.start(), value);
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
    // Input and output read side by side, scalar by scalar: no list of a big file's scalars.
    Iterator<YamlFile.Scalar> expected = YamlFile.scalars(in.name(), in.text());
    Iterator<YamlFile.Scalar> actual;
    boolean same = true;
    try {
      actual = YamlFile.scalars(in.name(), text);
      while (same && expected.hasNext()) {
        YamlFile.Scalar s = expected.next();
        if (!p.selection().drops(s)) {
          same =
              actual.hasNext()
                  && actual.next().value().equals(newValues.getOrDefault(s.start(), s.value()));
        }
      }
      same = same && !actual.hasNext();
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "resolving "
              + in.name()
              + " produced YAML that does not parse (a bug in ko-jvm): "
              + e.getMessage(),
          e);
    }
    if (!same) {
      throw new IllegalStateException(
          "resolving " + in.name() + " changed more than the references (a bug in ko-jvm)");
    }
  }

  // ---------------------------------------------------------------- errors

  /** ko's context for everything about one file. */
  private static final String FILE_CONTEXT = "error processing import paths in \"%s\": ";

  private interface Step<T> {
    T run() throws IOException;
  }

  /** Runs a step about one file, its failure with the file's context in front. */
  private static <T> T inFile(String name, Step<T> step) throws IOException {
    try {
      return step.run();
    } catch (IOException e) {
      throw ErrorContext.add(FILE_CONTEXT.formatted(name), e);
    } catch (RuntimeException e) {
      throw ErrorContext.add(FILE_CONTEXT.formatted(name), e);
    }
  }
}
