package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code linux_capabilities}: parsing like ko's caps package and the exact xattr bytes. */
class CapabilitiesTest {
  /**
   * The kernel's capability numbers (include/uapi/linux/capability.h), written out independently.
   */
  private static final String[] KERNEL_NAMES = {
    "cap_chown",
    "cap_dac_override",
    "cap_dac_read_search",
    "cap_fowner",
    "cap_fsetid",
    "cap_kill",
    "cap_setgid",
    "cap_setuid",
    "cap_setpcap",
    "cap_linux_immutable",
    "cap_net_bind_service",
    "cap_net_broadcast",
    "cap_net_admin",
    "cap_net_raw",
    "cap_ipc_lock",
    "cap_ipc_owner",
    "cap_sys_module",
    "cap_sys_rawio",
    "cap_sys_chroot",
    "cap_sys_ptrace",
    "cap_sys_pacct",
    "cap_sys_admin",
    "cap_sys_boot",
    "cap_sys_nice",
    "cap_sys_resource",
    "cap_sys_time",
    "cap_sys_tty_config",
    "cap_mknod",
    "cap_lease",
    "cap_audit_write",
    "cap_audit_control",
    "cap_setfcap",
    "cap_mac_override",
    "cap_mac_admin",
    "cap_syslog",
    "cap_wake_alarm",
    "cap_block_suspend",
    "cap_audit_read",
    "cap_perfmon",
    "cap_bpf",
    "cap_checkpoint_restore",
  };

  /**
   * struct vfs_cap_data with VFS_CAP_REVISION_2: le32 magic_etc (0x02000000, bit 0 =
   * VFS_CAP_FLAGS_EFFECTIVE), then data[0] = {le32 permitted, le32 inheritable} for bits 0-31 and
   * data[1] the same for bits 32-63. Built byte by byte, not with the code under test.
   */
  private static byte[] layout(long permitted, long inheritable, boolean effective) {
    long[] words = {
      0x02000000L | (effective ? 1 : 0),
      permitted & 0xffffffffL,
      inheritable & 0xffffffffL,
      permitted >>> 32,
      inheritable >>> 32
    };
    byte[] out = new byte[20];
    for (int w = 0; w < 5; w++) {
      for (int b = 0; b < 4; b++) {
        out[w * 4 + b] = (byte) (words[w] >>> (8 * b));
      }
    }
    return out;
  }

  @Test
  void goldenTableForAll41Capabilities() {
    assertThat(Capabilities.NAMES).hasSize(41);
    for (int i = 0; i < KERNEL_NAMES.length; i++) {
      String name = KERNEL_NAMES[i];
      long bit = 1L << i;
      assertThat(Capabilities.xattr(List.of(name))).as(name).isEqualTo(layout(bit, 0, false));
      assertThat(Capabilities.xattr(List.of(name.substring(4).toUpperCase(Locale.ROOT))))
          .as(name)
          .isEqualTo(layout(bit, 0, false));
      assertThat(Capabilities.xattr(List.of(name + "=ep")))
          .as(name + "=ep")
          .isEqualTo(layout(bit, 0, true));
      assertThat(Capabilities.xattr(List.of(name + "=i")))
          .as(name + "=i")
          .isEqualTo(layout(0, bit, false));
      assertThat(Capabilities.xattr(List.of(Integer.toString(i))))
          .as("number " + i)
          .isEqualTo(layout(bit, 0, false));
    }
  }

  /**
   * Values written by the real setcap(8) and read back with getxattr(2) on this kind of machine.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = ' ',
      value = {
        "cap_chown=p AAAAAgEAAAAAAAAAAAAAAAAAAAA=",
        "cap_net_bind_service=ep AQAAAgAEAAAAAAAAAAAAAAAAAAA=",
        "cap_chown,cap_dac_override=pie AQAAAgMAAAADAAAAAAAAAAAAAAA=",
        "cap_checkpoint_restore=p AAAAAgAAAAAAAAAAAAEAAAAAAAA=",
        "cap_bpf,cap_perfmon=ei AQAAAgAAAAAAAAAAAAAAAMAAAAA=",
        "cap_sys_admin=i AAAAAgAAAAAAACAAAAAAAAAAAAA=",
      })
  void matchesSetcap(String term, String base64) {
    assertThat(Capabilities.xattr(List.of(term))).isEqualTo(Base64.getDecoder().decode(base64));
  }

  @Test
  void parse() {
    assertThat(Capabilities.mask("cAp_cHoWn", "x")).isEqualTo(1);
    assertThat(Capabilities.mask("63", "x")).isEqualTo(1L << 63);
    assertThat(Capabilities.mask("007", "x")).isEqualTo(1L << 7);
    assertThat(Capabilities.mask("all", "x")).isEqualTo((1L << 41) - 1);
    assertThatThrownBy(() -> Capabilities.mask("64", "64"))
        .hasMessage("linux_capabilities: unknown capability: \"64\"");
    assertThatThrownBy(() -> Capabilities.mask("-1", "-1"))
        .hasMessageContaining("unknown capability");
    assertThatThrownBy(() -> Capabilities.mask("cap_fly", "cap_fly"))
        .hasMessage("linux_capabilities: unknown capability: \"cap_fly\"");
  }

  @Test
  void aNumberAbove40ReachesTheHighWord() {
    assertThat(Capabilities.xattr(List.of("63"))).isEqualTo(layout(1L << 63, 0, false));
  }

  /**
   * ko's TestNewFileCaps table: terms, then permitted, inheritable, effective flag (empty = no
   * xattr).
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''|||",
        "chown:dac_override:dac_read_search|7|0|false",
        "chown,dac_override,dac_read_search=p|7|0|false",
        "chown,dac_override,dac_read_search=i|0|7|false",
        "chown,dac_override,dac_read_search=e|||",
        "chown,dac_override,dac_read_search=pe|7|0|true",
        "=pe|2199023255551|0|true",
        "chown=ie:chown=p|1|0|false",
        "chown=ie:chown=|||",
        "chown=ie:chown+p|1|1|true",
        "chown=pie:dac_override,chown-p|0|1|true",
        "=|||",
      })
  void koFileCapsTable(String terms, Long permitted, Long inheritable, Boolean effective) {
    List<String> list = terms.isEmpty() ? List.of() : List.of(terms.split(":", -1));
    byte[] expected = permitted == null ? new byte[0] : layout(permitted, inheritable, effective);
    assertThat(Capabilities.xattr(list)).isEqualTo(expected);
  }

  @Test
  void koFileCapsFailures() {
    assertThatThrownBy(() -> Capabilities.xattr(List.of("chown,=pie")))
        .hasMessage("linux_capabilities: \"chown,=pie\": unknown capability: \"\"");
    assertThatThrownBy(() -> Capabilities.xattr(List.of("-pie")))
        .hasMessageContaining("unknown capability: \"\"");
    assertThatThrownBy(() -> Capabilities.xattr(List.of("+pie")))
        .hasMessageContaining("unknown capability: \"\"");
    assertThatThrownBy(() -> Capabilities.xattr(List.of("chown+x")))
        .hasMessage("linux_capabilities: \"chown+x\": unknown flag 'x'");
  }
}
