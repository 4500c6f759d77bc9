package dev.ko.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The frames and the request encoding (the C client's side is exercised by the integration test).
 */
class ProtocolTest {
  @Test
  void aRequestRoundTrips() throws IOException {
    Protocol.Request r =
        new Protocol.Request(
            "UTF-8", "/w/d", List.of("build", "./cmd/é"), Map.of("A", "1=2", "EMPTY", ""));
    assertThat(Protocol.parseRequest(Protocol.encodeRequest(r))).isEqualTo(r);
  }

  @Test
  void anotherVersionOrATruncatedRequestIsRefused() {
    byte[] ok = Protocol.encodeRequest(new Protocol.Request("C", "/", List.of(), Map.of()));
    byte[] other = ok.clone();
    other[3] = 9;
    assertThatThrownBy(() -> Protocol.parseRequest(other))
        .hasMessageContaining("protocol version 9");
    byte[] cut = java.util.Arrays.copyOf(ok, ok.length - 2);
    assertThatThrownBy(() -> Protocol.parseRequest(cut)).hasMessageContaining("malformed");
  }

  @Test
  void framesAreReadWholeAndTheEndIsSeenBetweenFrames() throws IOException {
    byte[] text = "hello".getBytes(StandardCharsets.UTF_8);
    ByteBuffer one = Protocol.frame(Protocol.STDOUT, text, 0, text.length);
    ByteBuffer two = Protocol.frame(Protocol.EXIT, 3);
    ByteBuffer all = ByteBuffer.allocate(one.remaining() + two.remaining()).put(one).put(two);
    var in = Channels.newChannel(new java.io.ByteArrayInputStream(all.array()));
    Protocol.Frame f = Protocol.read(in);
    assertThat(f.type()).isEqualTo(Protocol.STDOUT);
    assertThat(new String(f.payload(), StandardCharsets.UTF_8)).isEqualTo("hello");
    assertThat(Protocol.read(in).int32()).isEqualTo(3);
    assertThat(Protocol.read(in)).isNull();
    var cut =
        Channels.newChannel(new java.io.ByteArrayInputStream(new byte[] {'O', 0, 0, 0, 9, 1}));
    assertThatThrownBy(() -> Protocol.read(cut)).hasMessageContaining("within a frame");
  }

  @Test
  void theLocaleCodesetPicksTheCharsetAFreshJvmWouldPrintIn() {
    assertThat(Connection.charset("ANSI_X3.4-1968")).isEqualTo(StandardCharsets.US_ASCII);
    assertThat(Connection.charset("UTF-8")).isEqualTo(StandardCharsets.UTF_8);
    assertThat(Connection.charset("no-such-codeset")).isEqualTo(StandardCharsets.UTF_8);
  }
}
