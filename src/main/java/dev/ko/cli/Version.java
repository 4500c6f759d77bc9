package dev.ko.cli;

/** The version of this build, from the jar manifest. */
final class Version {
  private Version() {}

  static String get() {
    String v = Version.class.getPackage().getImplementationVersion();
    return v == null ? "(devel)" : v;
  }

  static String userAgent() {
    return "ko-jvm/" + get();
  }
}
