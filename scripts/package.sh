#!/usr/bin/env bash
# Builds a self-contained ko-jvm under dist/ko-jvm (or DIR): the jar and its libraries, a Java
# runtime cut down to the modules ko uses (jlink), and a class-data archive made for exactly that
# runtime and jar, so the first run starts as fast as the hundredth. Nothing else is needed at run
# time: copy the directory anywhere and put its bin/ on PATH.
#
#   scripts/package.sh [DIR]
#
# Costs about 60 MB of disk (runtime 45 MB, archive 15 MB). Needs a JDK 17+ with its jmods
# (JAVA_HOME, else the java on PATH) and Maven, at package time only.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
out=${1:-$root/dist/ko-jvm}
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
[[ -d "$java_home/jmods" ]] || { echo "package: $java_home has no jmods (install the JDK's jmods)" >&2; exit 1; }

(cd "$root" && mvn -q -B -Dstyle.color=never -DskipTests -Dspotless.check.skip=true package) >&2
# Built beside the target and moved into place, so a ko running from the old one is not cut off.
final=$out
out="$final.new.$$"
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/bin" "$out/lib"
# java.desktop and java.sql: Jackson refers to java.beans and java.sql types; the rest is what the
# code uses (HTTP client, TLS with EC keys, DNS).
"$java_home/bin/jlink" \
  --add-modules java.base,java.net.http,java.logging,java.naming,java.desktop,java.sql,jdk.crypto.ec,jdk.zipfs \
  --strip-debug --no-man-pages --no-header-files --compress=1 --generate-cds-archive \
  --output "$out/runtime"
cp "$root/target/ko.jar" "$out/lib/"
cp -r "$root/target/lib" "$out/lib/"
cat >"$out/bin/ko" <<'LAUNCHER'
#!/bin/sh
# ko-jvm, self-contained: its own runtime and class-data archive (see scripts/package.sh).
home=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# The archive names the jar by its path: used only where it was made (a moved copy runs without it).
archive=
if [ -f "$home/lib/ko.jsa" ] && [ "$(cat "$home/lib/ko.jsa.home" 2>/dev/null)" = "$home" ]; then
  archive=-XX:SharedArchiveFile="$home/lib/ko.jsa"
fi
# KO_JVM_OPTS: extra JVM options (words split on spaces), after these, so they can override them.
# shellcheck disable=SC2086
exec "$home/runtime/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto ${archive:+"$archive"} \
  -Xlog:disable -Xlog:all=warning:stderr ${KO_JVM_OPTS:-} -jar "$home/lib/ko.jar" "$@"
LAUNCHER
chmod +x "$out/bin/ko"
rm -rf "$final.old"
if [[ -e "$final" ]]; then mv "$final" "$final.old"; fi
mv "$out" "$final"
rm -rf "$final.old"
# Made in place: the archive records the jar's path, and a moved jar would not match it.
# The archive of the classes a build loads, made by the runtime that will read it.
"$final/runtime/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ArchiveClassesAtExit="$final/lib/ko.jsa" \
  -Xlog:disable -jar "$final/lib/ko.jar" train-class-data >/dev/null
printf '%s' "$final" >"$final/lib/ko.jsa.home"

du -sh "$final" >&2
echo "$final/bin/ko"
