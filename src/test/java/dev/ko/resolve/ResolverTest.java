package dev.ko.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.concurrent.TaskGroup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Scalar styles whose text changes beyond the value, encodings, sizes and failures. */
class ResolverTest {
  private static final ExecutorService EXECUTOR = Executors.newFixedThreadPool(2);
  private static final String HELLO = "ko://example.com/app/cmd/hello";
  private static final String PUB = FakeBuild.published(HELLO);

  @AfterAll
  static void stop() {
    EXECUTOR.shutdownNow();
  }

  private static String resolve(String yaml) throws IOException {
    return new String(
        resolve(FakeBuild.ok(), yaml.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  private static byte[] resolve(FakeBuild fake, byte[] content) throws IOException {
    return new Resolver(fake, fake)
        .resolve(
            List.of(new Resolver.Input("in.yaml", content)),
            Optional.empty(),
            new TaskGroup(EXECUTOR))
        .get(0)
        .content();
  }

  @Test
  void blockScalarsGetStripChompingSoTheValueIsExactlyTheReference() throws Exception {
    assertThat(resolve("a: |\n  " + HELLO + "\nb: 1\n")).isEqualTo("a: |-\n  " + PUB + "\nb: 1\n");
    assertThat(resolve("a: >\n  " + HELLO + "\n")).isEqualTo("a: >-\n  " + PUB + "\n");
    assertThat(resolve("a: |+\n  " + HELLO + "\n\n\nb: 1\n"))
        .isEqualTo("a: |-\n  " + PUB + "\n\n\nb: 1\n");
    assertThat(resolve("a: >2 # why\n  " + HELLO + "\n"))
        .as("indentation and comment stay")
        .isEqualTo("a: >2- # why\n  " + PUB + "\n");
    assertThat(resolve("a: >2\n   " + HELLO + "\n"))
        .as("the value starts with a space: not a reference")
        .isEqualTo("a: >2\n   " + HELLO + "\n");
    assertThat(resolve("a: |4 # why\n    " + HELLO + "\n"))
        .isEqualTo("a: |4- # why\n    " + PUB + "\n");
    assertThat(resolve("a: |\r\n  " + HELLO + "   \r\n"))
        .as("trailing blanks belong to the value")
        .isEqualTo("a: |-\r\n  " + PUB + "\r\n");
  }

  @Test
  void quotedValuesAreReplacedWholeInsideTheirQuotes() throws Exception {
    assertThat(resolve("a: \"ko:\\/\\/example.com/app/cmd/\\x68ello\"\n"))
        .as("escapes")
        .isEqualTo("a: \"" + PUB + "\"\n");
    assertThat(resolve("a: '" + HELLO + "  '\n"))
        .as("TrimSpace, as ko")
        .isEqualTo("a: '" + PUB + "'\n");
    assertThat(resolve("a: \"" + HELLO + "\\t\"\n")).isEqualTo("a: \"" + PUB + "\"\n");
  }

  @Test
  void plainMultiLineAndPropertiesAreHandled() throws Exception {
    assertThat(resolve("a: &x !!str\n  # comment\n  " + HELLO + "\nb: *x\n"))
        .isEqualTo("a: &x !!str\n  # comment\n  " + PUB + "\nb: *x\n");
    assertThat(resolve("a: !<tag:yaml.org,2002:str> " + HELLO + "\n"))
        .isEqualTo("a: !<tag:yaml.org,2002:str> " + PUB + "\n");
  }

  @Test
  void plainValuesThatWouldNotReadBackArePutInDoubleQuotes() {
    assertThat(ScalarEdits.plainSafe(PUB)).isTrue();
    assertThat(ScalarEdits.plainSafe("registry.example.com/app:v1")).isTrue();
    assertThat(ScalarEdits.plainSafe("a: b")).isFalse();
    assertThat(ScalarEdits.plainSafe("x #y")).isFalse();
    assertThat(ScalarEdits.plainSafe("-x")).isFalse();
    assertThat(ScalarEdits.plainSafe("x:")).isFalse();
  }

  @Test
  void utf16WithByteOrderMarkComesBackInUtf16() throws Exception {
    for (java.nio.charset.Charset cs :
        List.of(StandardCharsets.UTF_16BE, StandardCharsets.UTF_16LE)) {
      String text = "\uFEFFname: ünï 😀\nimage: " + HELLO + "\n";
      byte[] out = resolve(FakeBuild.ok(), text.getBytes(cs));
      assertThat(out).isEqualTo(("\uFEFFname: ünï 😀\nimage: " + PUB + "\n").getBytes(cs));
    }
    byte[] bom8 = ("\uFEFFimage: " + HELLO + "\n").getBytes(StandardCharsets.UTF_8);
    assertThat(resolve(FakeBuild.ok(), bom8))
        .isEqualTo(("\uFEFFimage: " + PUB + "\n").getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void filesWithoutReferencesComeOutUnchanged() throws Exception {
    byte[] odd = "# only a comment, no newline".getBytes(StandardCharsets.UTF_8);
    assertThat(resolve(FakeBuild.ok(), odd)).isSameAs(odd);
    assertThat(resolve("")).isEmpty();
  }

  @Test
  void bigFilesAreNotLimitedToSnakeyamlsDefaultThreeMegabytes() throws Exception {
    StringBuilder b = new StringBuilder();
    String filler = "x".repeat(1000);
    for (int i = 0; i < 4000; i++) {
      b.append("k").append(i).append(": ").append(filler).append(" ü\n");
    }
    b.append("image: ").append(HELLO).append("\n");
    String big = b.toString();
    assertThat(big.codePointCount(0, big.length())).isGreaterThan(3 * 1024 * 1024);
    assertThat(resolve(big)).isEqualTo(big.replace(HELLO, PUB));
  }

  @Test
  void syntaxErrorsNameFileLineAndColumn() {
    assertThatThrownBy(() -> resolve("a: b\nc: [d\n  e: f: g\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "error processing import paths in \"in.yaml\": yaml: line 3, column ");
    assertThatThrownBy(() -> resolve("ok: 1\nbad: \"unterminated\n"))
        .hasMessageMatching(
            "error processing import paths in \"in\\.yaml\": yaml: line \\d+, column \\d+: .+");
    assertThatThrownBy(() -> resolve(FakeBuild.ok(), new byte[] {'a', ':', ' ', (byte) 0xff, '\n'}))
        .hasMessage(
            "error processing import paths in \"in.yaml\": yaml: the file is not valid UTF-8 (at"
                + " byte 3)");
  }

  @Test
  void aReferenceThatIsNotAMainPackageFailsBeforeAnyBuild() {
    FakeBuild fake = new FakeBuild(Set.of("ko://example.com/app/lib"), Set.of(), 0);
    String yaml = "a: " + HELLO + "\nb: ko://example.com/app/lib\n";
    assertThatThrownBy(() -> resolve(fake, yaml.getBytes(StandardCharsets.UTF_8)))
        .hasMessage(
            "error processing import paths in \"in.yaml\": error resolving image references: "
                + "found strict reference but ko://example.com/app/lib is not a valid import path: "
                + "importpath is not `package main`");
    assertThat(fake.builds).isEmpty();
  }

  @Test
  void aFailedBuildFailsTheWholeAndReturnsNothing() {
    FakeBuild fake = new FakeBuild(Set.of(), Set.of("ko://example.com/app/cmd/broken"), 0);
    Resolver resolver = new Resolver(fake, fake);
    List<Resolver.Input> inputs =
        List.of(
            new Resolver.Input("a.yaml", ("a: " + HELLO + "\n").getBytes(StandardCharsets.UTF_8)),
            new Resolver.Input(
                "b.yaml", "b: ko://example.com/app/cmd/broken\n".getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> resolver.resolve(inputs, Optional.empty(), new TaskGroup(EXECUTOR)))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "error processing import paths in \"b.yaml\": error resolving image references: error"
                + " building \"ko://example.com/app/cmd/broken\": go build: exit status 1: compile"
                + " error");
    assertThat(fake.publishes).as("nothing is published unless every build succeeded").isEmpty();
  }
}
