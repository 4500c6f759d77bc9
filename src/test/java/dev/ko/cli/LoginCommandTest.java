package dev.ko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LoginCommandTest {
  @Test
  void passwordStdinLosesOneTrailingNewlineLikeCrane() {
    assertThat(LoginCommand.trimOneNewline("pw\n")).isEqualTo("pw");
    assertThat(LoginCommand.trimOneNewline("pw\r\n")).isEqualTo("pw");
    assertThat(LoginCommand.trimOneNewline("pw\n\n")).isEqualTo("pw\n");
    assertThat(LoginCommand.trimOneNewline("pw")).isEqualTo("pw");
    assertThat(LoginCommand.trimOneNewline(" pw ")).isEqualTo(" pw ");
  }
}
