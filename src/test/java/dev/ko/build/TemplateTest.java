package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The text/template subset for flags and ldflags, with Go's output for each case. */
class TemplateTest {
  private static final Map<String, Object> DATA =
      Map.of(
          "Env",
          Map.of("VERSION", "1.2.3", "LDFLAGS", "", "GOOS", "linux"),
          "Git",
          Map.of("ShortCommit", "abc1234", "IsDirty", false, "CommitTimestamp", 1700000000L),
          "Date",
          "2023-11-14T22:13:20Z",
          "Timestamp",
          1700000000L);

  private static String render(String t) {
    return Template.parse(t).render(DATA);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "-X main.version={{.Env.VERSION}}|-X main.version=1.2.3",
        "-X main.version={{ .Env.VERSION }}|-X main.version=1.2.3",
        "{{.Env.VERSION}}-{{.Git.ShortCommit}}|1.2.3-abc1234",
        "-s -w|-s -w",
        "{{.Git.IsDirty}} {{.Git.CommitTimestamp}} {{.Timestamp}}|false 1700000000 1700000000",
        "a  {{- .Env.GOOS -}}  b|alinuxb",
        "a {{- .Env.GOOS}} b|alinux b",
        "a {{.Env.GOOS -}} b|a linuxb",
        "x{{/* a comment */}}y|xy",
        "x {{- /* trimmed comment */ -}} y|xy",
        "{{.Env.LDFLAGS}}|\"\"",
        "{ {not an action} }|{ {not an action} }",
        "date={{.Date}}|date=2023-11-14T22:13:20Z",
      })
  void rendersLikeGo(String template, String expected) {
    assertThat(render(template)).isEqualTo(expected);
  }

  @Test
  void missingKeysNameTheTemplateAndTheKey() {
    assertThatThrownBy(() -> render("-X main.version={{.Env.SOME_VAR}}"))
        .hasMessage(
            "template \"-X main.version={{.Env.SOME_VAR}}\": at <.Env.SOME_VAR>: map has no entry"
                + " for key \"SOME_VAR\"");
    assertThatThrownBy(() -> render("{{.Nope}}"))
        .hasMessage("template \"{{.Nope}}\": at <.Nope>: map has no entry for key \"Nope\"");
    assertThatThrownBy(() -> render("{{.Git.ShortCommit.Extra}}"))
        .hasMessage(
            "template \"{{.Git.ShortCommit.Extra}}\": at <.Git.ShortCommit.Extra>: can't evaluate"
                + " field Extra in type string");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{{ if .Git.IsDirty }}-dirty{{ end }}",
        "{{ .Env.VERSION | printf \"%s\" }}",
        "{{ index .Env \"VERSION\" }}",
        "{{ $x := 1 }}",
        "{{ . }}",
        "{{}}",
        "{{-3}}",
        "{{ .Env.my-var }}",
      })
  void anythingElseIsRefusedWhenParsing(String template) {
    assertThatThrownBy(() -> Template.parse(template))
        .hasMessageStartingWith("template \"" + template + "\": unsupported action")
        .hasMessageContaining("only field references");
  }

  @Test
  void syntaxErrors() {
    assertThatThrownBy(() -> Template.parse("-X a={{.Env.A"))
        .hasMessageContaining("unclosed action");
    assertThatThrownBy(() -> Template.parse("{{/* never closed }}"))
        .hasMessageContaining("comment ends before closing delimiter");
  }

  @Test
  void aMapIsNotAValue() {
    assertThatThrownBy(() -> render("{{.Env}}"))
        .hasMessageContaining("{{.Env}} is a map, not a value");
  }

  @Test
  void suppliersAreOnlyEvaluatedWhenReached() {
    AtomicInteger calls = new AtomicInteger();
    Supplier<Object> git =
        () -> {
          calls.incrementAndGet();
          return Map.of("Tag", "v1.0.0");
        };
    Map<String, Object> data = Map.of("Env", Map.of("A", "a"), "Git", git);
    assertThat(Template.parse("{{.Env.A}}").render(data)).isEqualTo("a");
    assertThat(calls).hasValue(0);
    assertThat(Template.parse("{{.Git.Tag}}").render(data)).isEqualTo("v1.0.0");
    assertThat(calls).hasValue(1);
  }
}
