package dev.ko.attest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Statements read back (the build cache keeps an entry's provenance as its bare statement). */
class StatementTest {
  private static final Digest SUBJECT = Digest.of("image".getBytes(StandardCharsets.UTF_8));
  private static final byte[] PREDICATE =
      "{\"buildDefinition\":{\"buildType\":\"t\"},\"runDetails\":{\"n\":[1,2.5,\"x\"]}}"
          .getBytes(StandardCharsets.UTF_8);

  @Test
  void aWrittenStatementReadsBackWithThePredicateBytesItWasMadeFrom() throws IOException {
    Statement written =
        Statement.of("reg.example/app", SUBJECT, Provenance.PREDICATE_TYPE, PREDICATE);
    Statement read = Statement.parse(written.toJson());
    assertThat(read).isEqualTo(written);
    assertThat(read.predicateJson()).isEqualTo(PREDICATE);
    assertThat(read.toJson()).isEqualTo(written.toJson());
  }

  @Test
  void bytesThatAreNoStatementAboutOneSubjectAreRefused() {
    for (String bad :
        new String[] {
          "[]",
          "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"subject\":[{\"digest\":{\"sha256\":\"00\"}}],"
              + "\"predicateType\":\"p\",\"predicate\":{}}",
          "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[],\"predicateType\":\"p\","
              + "\"predicate\":{}}",
          "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"digest\":{\"sha256\":\"zz\"}}],"
              + "\"predicateType\":\"p\",\"predicate\":{}}",
          "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"digest\":{\"sha256\":\""
              + SUBJECT.hex()
              + "\"}}],\"predicateType\":\"p\",\"predicate\":\"text\"}",
        }) {
      assertThatThrownBy(() -> Statement.parse(bad.getBytes(StandardCharsets.UTF_8)))
          .as(bad)
          .isInstanceOf(IOException.class);
    }
  }
}
