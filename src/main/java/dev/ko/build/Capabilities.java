package dev.ko.build;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Locale;

/**
 * Linux file capabilities from {@code linux_capabilities}: the value of the {@code
 * security.capability} extended attribute that the binary's tar entry carries as the PAX record
 * {@code SCHILY.xattr.security.capability}.
 *
 * <p>A term is either one capability (a name with or without {@code cap_}, any case; a number 0 to
 * 63; or {@code all}), which is added to the permitted set, or a {@code cap_from_text(3)} clause
 * such as {@code cap_net_raw,cap_chown=pe} or {@code chown+p-e}: {@code =} first clears the named
 * capabilities from all three sets, {@code +} adds and {@code -} removes them from the sets named
 * by the letters {@code p}, {@code i} and {@code e} that follow. An empty list before {@code =}
 * means all.
 */
public final class Capabilities {
  /** VFS_CAP_REVISION_2: 64-bit sets in two 32-bit halves. */
  private static final int VFS_CAP_REVISION_2 = 0x02000000;

  /** VFS_CAP_FLAGS_EFFECTIVE: raise the permitted capabilities into the effective set at exec. */
  private static final int VFS_CAP_FLAGS_EFFECTIVE = 0x000001;

  /** The capabilities the kernel (and ko) know by name, CHOWN (0) to CHECKPOINT_RESTORE (40). */
  static final List<String> NAMES =
      List.of(
          "CHOWN",
          "DAC_OVERRIDE",
          "DAC_READ_SEARCH",
          "FOWNER",
          "FSETID",
          "KILL",
          "SETGID",
          "SETUID",
          "SETPCAP",
          "LINUX_IMMUTABLE",
          "NET_BIND_SERVICE",
          "NET_BROADCAST",
          "NET_ADMIN",
          "NET_RAW",
          "IPC_LOCK",
          "IPC_OWNER",
          "SYS_MODULE",
          "SYS_RAWIO",
          "SYS_CHROOT",
          "SYS_PTRACE",
          "SYS_PACCT",
          "SYS_ADMIN",
          "SYS_BOOT",
          "SYS_NICE",
          "SYS_RESOURCE",
          "SYS_TIME",
          "SYS_TTY_CONFIG",
          "MKNOD",
          "LEASE",
          "AUDIT_WRITE",
          "AUDIT_CONTROL",
          "SETFCAP",
          "MAC_OVERRIDE",
          "MAC_ADMIN",
          "SYSLOG",
          "WAKE_ALARM",
          "BLOCK_SUSPEND",
          "AUDIT_READ",
          "PERFMON",
          "BPF",
          "CHECKPOINT_RESTORE");

  private static final long ALL_KNOWN = (1L << NAMES.size()) - 1;

  private Capabilities() {}

  /** Permitted, inheritable and effective sets after applying the terms. */
  record Sets(long permitted, long inheritable, long effective) {}

  /**
   * The {@code security.capability} value for the terms, or an empty array when neither the
   * permitted nor the inheritable set ends up with anything (then no xattr is written).
   *
   * @throws IllegalArgumentException naming the term for an unknown capability or flag letter
   */
  public static byte[] xattr(List<String> terms) {
    Sets s = parse(terms);
    if (s.permitted() == 0 && s.inheritable() == 0) {
      return new byte[0];
    }
    return xattr(s.permitted(), s.inheritable(), s.effective() != 0);
  }

  /**
   * The 20-byte little-endian {@code vfs_cap_data}: magic, then {permitted, inheritable} low and
   * high halves.
   */
  static byte[] xattr(long permitted, long inheritable, boolean effective) {
    ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(VFS_CAP_REVISION_2 | (effective ? VFS_CAP_FLAGS_EFFECTIVE : 0));
    b.putInt((int) permitted);
    b.putInt((int) inheritable);
    b.putInt((int) (permitted >>> 32));
    b.putInt((int) (inheritable >>> 32));
    return b.array();
  }

  static Sets parse(List<String> terms) {
    long permitted = 0;
    long inheritable = 0;
    long effective = 0;
    for (String term : terms) {
      int op = indexOfOperator(term);
      if (op < 0) {
        permitted |= mask(term, term);
        continue;
      }
      String names = term.substring(0, op);
      String actions = term.substring(op);
      if (names.isEmpty() && actions.charAt(0) == '=') {
        names = "all";
      }
      long mask = 0;
      for (String name : names.split(",", -1)) {
        mask |= mask(name, term);
      }
      boolean adding = true;
      for (int i = 0; i < actions.length(); i++) {
        char c = actions.charAt(i);
        switch (c) {
          case '+' -> adding = true;
          case '-' -> adding = false;
          case '=' -> {
            permitted &= ~mask;
            inheritable &= ~mask;
            effective &= ~mask;
            adding = true;
          }
          case 'p' -> permitted = adding ? permitted | mask : permitted & ~mask;
          case 'i' -> inheritable = adding ? inheritable | mask : inheritable & ~mask;
          case 'e' -> effective = adding ? effective | mask : effective & ~mask;
          default ->
              throw new IllegalArgumentException(
                  "linux_capabilities: \"" + term + "\": unknown flag '" + c + "'");
        }
      }
    }
    return new Sets(permitted, inheritable, effective);
  }

  private static int indexOfOperator(String term) {
    for (int i = 0; i < term.length(); i++) {
      char c = term.charAt(i);
      if (c == '+' || c == '-' || c == '=') {
        return i;
      }
    }
    return -1;
  }

  /** One capability as a bit mask. */
  static long mask(String name, String term) {
    if (!name.isEmpty() && name.chars().allMatch(c -> c >= '0' && c <= '9')) {
      // strconv.ParseUint(s, 10, 6): decimal, leading zeros allowed, at most 63.
      String digits = name.replaceFirst("^0+(?=.)", "");
      if (digits.length() <= 2 && Integer.parseInt(digits) <= 63) {
        return 1L << Integer.parseInt(digits);
      }
    }
    String upper = name.toUpperCase(Locale.ROOT);
    if (upper.equals("ALL")) {
      return ALL_KNOWN;
    }
    if (upper.startsWith("CAP_")) {
      upper = upper.substring(4);
    }
    int index = NAMES.indexOf(upper);
    if (index < 0) {
      String context = name.equals(term) ? "" : "\"" + term + "\": ";
      throw new IllegalArgumentException(
          "linux_capabilities: " + context + "unknown capability: \"" + name + "\"");
    }
    return 1L << index;
  }
}
