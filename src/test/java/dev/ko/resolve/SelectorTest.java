package dev.ko.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Kubernetes label selector syntax and semantics ({@code labels.Parse}). */
class SelectorTest {
  private static final Map<String, String> LABELS =
      Map.of(
          "app",
          "web",
          "tier",
          "front",
          "version",
          "3",
          "example.com/team",
          "a-b.c_d",
          "empty",
          "");

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "''|true",
        "app=web|true",
        "app==web|true",
        "app = web , tier=front|true",
        "app=db|false",
        "app!=db|true",
        "app!=web|false",
        "missing!=x|true",
        "app|true",
        "missing|false",
        "!missing|true",
        "!app|false",
        "app in (db, web)|true",
        "app in (db)|false",
        "missing in (db)|false",
        "app notin (db, cache)|true",
        "app notin (web)|false",
        "missing notin (web)|true",
        "version>2|true",
        "version>3|false",
        "version<4|true",
        "app>1|false",
        "missing<1|false",
        "example.com/team=a-b.c_d|true",
        "empty=|true",
        "empty in (,x)|true",
        "app=web,!missing,tier in (front),version notin (1,2)|true",
        "app=web,tier=back|false",
      })
  void matches(String selector, boolean expected) {
    assertThat(Selector.parse(selector).matches(LABELS)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "app=web,",
        "=web",
        "app=web=x",
        "app in web",
        "app in (web",
        "app notin ()x",
        "app>x",
        "!app=web",
        "bad key=1",
        "-app=x",
        "app=-x",
        "UPPER.example.com/x=1",
        "a/b/c=1",
        "app (x)"
      })
  void rejects(String selector) {
    assertThatThrownBy(() -> Selector.parse(selector))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unable to parse selector \"" + selector + "\": ");
  }

  @org.junit.jupiter.api.Test
  void rejectsLongNamesAndValues() {
    assertThatThrownBy(() -> Selector.parse("k".repeat(64) + "=x"))
        .hasMessageContaining("at most 63");
    assertThatThrownBy(() -> Selector.parse("k=" + "v".repeat(64)))
        .hasMessageContaining("at most 63");
    assertThat(Selector.parse("k".repeat(63) + "=" + "v".repeat(63)).matches(Map.of())).isFalse();
  }
}
