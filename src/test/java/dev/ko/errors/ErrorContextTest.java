package dev.ko.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.build.GoCommandException;
import dev.ko.build.UnsupportedReferenceException;
import dev.ko.registry.RegistryException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Context in front of a message, the failure's kind and fields kept. */
class ErrorContextTest {
  private static final String CONTEXT = "failed to publish images: error publishing ko://x: ";

  @Test
  void ourExceptionsKeepTheirTypeAndFields() {
    RegistryException unavailable =
        new RegistryException("PUT", "https://r.example/v2/x/blobs/uploads/1", 503, List.of());
    IOException withContext = ErrorContext.add(CONTEXT, unavailable);
    assertThat(withContext)
        .isInstanceOf(RegistryException.class)
        .hasMessage(CONTEXT + unavailable.getMessage())
        .hasCause(unavailable);
    RegistryException r = (RegistryException) withContext;
    assertThat(r.isTemporary()).as("still worth a retry").isTrue();
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.url()).isEqualTo(unavailable.url());

    GoCommandException go = new GoCommandException("go build: exit status 1", "# x\n./a.go:1: y");
    assertThat(ErrorContext.add("building: ", go))
        .isInstanceOf(GoCommandException.class)
        .hasMessage("building: go build: exit status 1")
        .satisfies(e -> assertThat(((GoCommandException) e).output()).isEqualTo(go.output()));

    assertThat(ErrorContext.add("in a.yaml: ", new UnsupportedReferenceException("not main")))
        .isInstanceOf(UnsupportedReferenceException.class)
        .hasMessage("in a.yaml: not main");
  }

  @Test
  void otherFailuresKeepTheirKind() {
    IOException plain = new java.nio.file.NoSuchFileException("/x");
    assertThat(ErrorContext.add("reading: ", plain))
        .isExactlyInstanceOf(IOException.class)
        .hasMessage("reading: /x")
        .hasCause(plain);
    InterruptedIOException cancelled = new InterruptedIOException("cancelled");
    assertThat(ErrorContext.add("reading: ", cancelled)).isSameAs(cancelled);
    IllegalArgumentException bad = new IllegalArgumentException("invalid tag \"a b\"");
    assertThat(ErrorContext.add("config: ", bad))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("config: invalid tag \"a b\"");
    NullPointerException bug = new NullPointerException("oops");
    assertThat(ErrorContext.add("config: ", bug)).as("a bug stays a bug").isSameAs(bug);
  }

  @Test
  void rethrowSortsIoFromRuntimeFailures() {
    assertThat(ErrorContext.rethrow("x: ", new UncheckedIOException(new IOException("disk full"))))
        .hasMessage("x: disk full");
    assertThatThrownBy(() -> ErrorContext.rethrow("x: ", new IllegalStateException("bug")))
        .isExactlyInstanceOf(IllegalStateException.class)
        .hasMessage("bug");
    assertThatThrownBy(() -> ErrorContext.rethrow("x: ", new IllegalArgumentException("bad")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("x: bad");
  }
}
