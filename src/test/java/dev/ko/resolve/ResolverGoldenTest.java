package dev.ko.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.concurrent.TaskGroup;
import dev.ko.testing.SpliceOracle;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden manifests (src/test/resources/golden): resolving keeps every byte except the replaced
 * values, checked by mapping the output back, and by comparing the composed trees.
 */
class ResolverGoldenTest {
  static final List<String> FIXTURES =
      List.of(
          "configmap.yaml",
          "controller.yaml",
          "crlf.yaml",
          "deployment.yaml",
          "list.yaml",
          "multidoc.yaml",
          "no-newline.yaml",
          "pod.json",
          "styles.yaml",
          "utf8.yaml");
  static final List<String> REFERENCES =
      List.of(
          "ko://example.com/app/cmd/controller",
          "ko://example.com/app/cmd/hello",
          "ko://example.com/app/cmd/init",
          "ko://example.com/app/cmd/queue",
          "ko://example.com/app/cmd/sidecar");

  private static final ExecutorService EXECUTOR = Executors.newFixedThreadPool(2);

  @AfterAll
  static void stop() {
    EXECUTOR.shutdownNow();
  }

  static byte[] fixture(String name) throws IOException {
    try (InputStream in = ResolverGoldenTest.class.getResourceAsStream("/golden/" + name)) {
      return in.readAllBytes();
    }
  }

  static Map<String, String> referenceOfPublished() {
    Map<String, String> m = new HashMap<>();
    REFERENCES.forEach(r -> m.put(FakeBuild.published(r), r));
    return m;
  }

  static Map<String, String> publishedOf() {
    Map<String, String> m = new HashMap<>();
    REFERENCES.forEach(r -> m.put(r, FakeBuild.published(r)));
    return m;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "configmap.yaml",
        "controller.yaml",
        "crlf.yaml",
        "deployment.yaml",
        "list.yaml",
        "multidoc.yaml",
        "no-newline.yaml",
        "pod.json",
        "styles.yaml",
        "utf8.yaml"
      })
  void keepsEveryByteButTheReferences(String name) throws Exception {
    byte[] input = fixture(name);
    String inputText = new String(input, StandardCharsets.UTF_8);
    int expectedReplacements = SpliceOracle.references(inputText);
    assertThat(expectedReplacements).as("the fixture has references").isPositive();

    FakeBuild fake = FakeBuild.ok();
    List<Resolver.ResolvedFile> out =
        new Resolver(fake, fake)
            .resolve(
                List.of(new Resolver.Input(name, input)),
                Optional.empty(),
                new TaskGroup(EXECUTOR));

    assertThat(out).hasSize(1);
    String output = new String(out.get(0).content(), StandardCharsets.UTF_8);
    assertThat(occurrencesOfPublished(output))
        .as("replaced values")
        .isEqualTo(expectedReplacements);
    String mappedBack = SpliceOracle.mapBack(output, referenceOfPublished());
    assertThat(mappedBack).as("mapping the references back gives the input").isEqualTo(inputText);
    assertThat(mappedBack.getBytes(StandardCharsets.UTF_8)).as("byte for byte").isEqualTo(input);
    SpliceOracle.assertSameTreesWithReferencesReplaced(inputText, output, publishedOf());
    fake.builds.forEach((ref, n) -> assertThat(n.get()).as(ref + " built once").isEqualTo(1));
  }

  @Test
  void aDirectoryOfFilesBuildsEachReferenceOnceAndAllAtOnce() throws Exception {
    List<Resolver.Input> inputs = new ArrayList<>();
    for (String f : FIXTURES) {
      inputs.add(new Resolver.Input("config/" + f, fixture(f)));
    }
    // Each build waits until all five have started: this only completes if they run in parallel.
    FakeBuild fake = new FakeBuild(java.util.Set.of(), java.util.Set.of(), REFERENCES.size());
    List<Resolver.ResolvedFile> out =
        new Resolver(fake, fake).resolve(inputs, Optional.empty(), new TaskGroup(EXECUTOR));

    assertThat(fake.built()).containsExactlyElementsOf(REFERENCES);
    fake.builds.forEach((ref, n) -> assertThat(n.get()).as(ref + " built once").isEqualTo(1));
    fake.publishes.forEach(
        (ref, n) -> assertThat(n.get()).as(ref + " published once").isEqualTo(1));
    assertThat(out.stream().map(Resolver.ResolvedFile::name).toList())
        .as("output in input order")
        .containsExactlyElementsOf(inputs.stream().map(Resolver.Input::name).toList());

    ByteArrayOutputStream written = new ByteArrayOutputStream();
    Resolver.write(out, written);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (Resolver.Input in : inputs) {
      expected.write(in.content());
      expected.write("\n---\n".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(
            SpliceOracle.mapBack(written.toString(StandardCharsets.UTF_8), referenceOfPublished()))
        .as("each file, then ko's separator")
        .isEqualTo(expected.toString(StandardCharsets.UTF_8));
  }

  private static int occurrencesOfPublished(String output) {
    Matcher m =
        Pattern.compile("registry\\.example\\.com:5000/app/[a-z]+@sha256:[0-9a-f]{64}")
            .matcher(output);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
