#!/usr/bin/env bash
# Builds a self-contained ko-jvm under dist/ko-jvm (or DIR): the jar and its libraries, a Java
# runtime cut down to the modules ko uses (jlink), and a class-data archive made for exactly that
# runtime and jar, so the first run starts as fast as the hundredth. Nothing else is needed at run
# time: copy the directory anywhere and put its bin/ on PATH.
#
#   scripts/package.sh [DIR]
#
# Costs about 100 MB of disk (runtime 81 MB, class-data archive 14 MB, jar and libraries 4 MB). Needs a JDK 17+ with its jmods
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
# code uses (HTTP client, TLS with EC keys, DNS; jdk.net: the build server's peer credentials).
"$java_home/bin/jlink" \
  --add-modules java.base,java.net.http,java.logging,java.naming,java.desktop,java.sql,jdk.crypto.ec,jdk.zipfs,jdk.net \
  --strip-debug --no-man-pages --no-header-files --compress=1 --generate-cds-archive \
  --output "$out/runtime"
# The security providers the JDK lists but whose modules this runtime leaves out come off the list.
# A lookup that no listed provider answers (TLS asks for parameters some never have) goes on to each
# absent one, and for those the JDK instantiates every java.security.Provider service on the class
# path to compare names: Bouncy Castle's (a library we use for cosign keys, not as a provider) then
# registers ~2,000 algorithm classes under the provider lock, which held up the first HTTP request
# of every build by ~1-1.7 s.
security="$out/runtime/conf/security/java.security"
modules=" $("$out/runtime/bin/java" --list-modules | sed 's/@.*//' | tr '\n' ' ') "
declare -A provider_module=(
  [SUN]=java.base [SunRsaSign]=java.base [SunJSSE]=java.base [SunJCE]=java.base
  [SunEC]=jdk.crypto.ec [SunJGSS]=java.security.jgss [SunSASL]=java.security.sasl
  [XMLDSig]=java.xml.crypto [SunPCSC]=java.smartcardio [JdkLDAP]=java.naming
  [JdkSASL]=jdk.security.jgss [SunPKCS11]=jdk.crypto.cryptoki [Apple]=java.base
)
kept=()
while IFS= read -r name; do
  module=${provider_module[$name]:-}
  [[ -n "$module" && "$modules" == *" $module "* ]] && kept+=("$name")
done < <(sed -n 's/^security\.provider\.[0-9]*=\([^ ]*\).*/\1/p' "$security")
sed -i '/^security\.provider\.[0-9]*=/d' "$security"
for i in "${!kept[@]}"; do echo "security.provider.$((i + 1))=${kept[$i]}"; done >>"$security"
cp "$root/target/ko.jar" "$out/lib/"
# Names this build of the jar in the users' archives, so a new one records its own.
cksum <"$out/lib/ko.jar" | cut -d' ' -f1 >"$out/lib/ko.jar.id"
cp -r "$root/target/lib" "$out/lib/"
# The JIT: C1 only, but for SHA-256. A short run gains nothing from C2's slow compiles on two cores,
# yet SHA-256 only uses the CPU's SHA instructions in C2-compiled code (C1 has no such intrinsic),
# and a layer's digest is most of the work on a large kodata layer: 200 MB hashes in ~3 s instead
# of ~6 s. First match wins: the digest classes may reach C2, nothing else may.
cat >"$out/lib/jit.json" <<'DIRECTIVES'
[
  { match: ["sun/security/provider/SHA2.*", "sun/security/provider/DigestBase.*",
            "sun/security/provider/ByteArrayAccess.*"], c2: { Exclude: false } },
  { match: "*.*", c2: { Exclude: true } }
]
DIRECTIVES
# lib/ko-cold starts a fresh JVM for one command (the cold path); bin/ko is the build server's thin
# client (src/main/c/ko-client.c), which runs lib/ko-cold itself whenever the server is off
# (KO_SERVER=0, CI) or unusable. Without gcc, bin/ko is the cold launcher itself.
cat >"$out/lib/ko-cold" <<'LAUNCHER'
#!/bin/sh
# ko-jvm, self-contained: its own runtime and class-data archives (see scripts/package.sh).
home=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# C2 for SHA-256 only (lib/jit.json says why). -DisplayVMOutput: the VM would print "2 compiler
# directives added" on stdout; its warnings still reach stderr through -Xlog.
flags="-XX:+UseSerialGC -XX:+UnlockDiagnosticVMOptions -XX:CompilerDirectivesFile=$home/lib/jit.json -XX:-DisplayVMOutput -Xshare:auto"
# The first build of this installation by this user records the classes a build really loads
# (HTTP, TLS, the builder and publishers) in an archive of its own, in the user's cache: later runs
# load them from it. Until then, and for other commands, the archive made at package time is used,
# but only where it was made (it names the jar by its path).
cds=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/ko-jvm/cds
user_archive="$cds/ko-$(printf '%s' "$home" | cksum | cut -d' ' -f1)-$(cat "$home/lib/ko.jar.id").jsa"
archive=
record=
if [ -f "$user_archive" ]; then
  archive=$user_archive
else
  for a in "$@"; do
    case $a in
      build | publish | resolve | apply | create | run) record=1 ;;
      -*) continue ;;
    esac
    break
  done
  if [ -f "$home/lib/ko.jsa" ] && [ "$(cat "$home/lib/ko.jsa.home" 2>/dev/null)" = "$home" ]; then
    archive=$home/lib/ko.jsa
  fi
fi
if [ -n "$record" ] && mkdir -p "$cds" 2>/dev/null; then
  tmp="$user_archive.$$"
  # shellcheck disable=SC2086
  "$home/runtime/bin/java" $flags -XX:ArchiveClassesAtExit="$tmp" -Xlog:disable \
    -Xlog:all=warning,cds*=off:stderr ${KO_JVM_OPTS:-} -jar "$home/lib/ko.jar" "$@"
  code=$?
  if [ -s "$tmp" ]; then mv -f "$tmp" "$user_archive"; else rm -f "$tmp"; fi
  exit $code
fi
# KO_JVM_OPTS: extra JVM options (words split on spaces), after these, so they can override them.
# shellcheck disable=SC2086
exec "$home/runtime/bin/java" $flags ${archive:+-XX:SharedArchiveFile="$archive"} \
  -Xlog:disable -Xlog:all=warning:stderr ${KO_JVM_OPTS:-} -jar "$home/lib/ko.jar" "$@"
LAUNCHER
chmod +x "$out/lib/ko-cold"
# The build server (dev.ko.server): C2 compiles everything, as a long-lived process should; the
# heap is capped (KO_SERVER_MAX_HEAP, default 1g) and given back after a burst of builds.
cat >"$out/lib/ko-server" <<'LAUNCHER'
#!/bin/sh
home=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
archive=
if [ -f "$home/lib/ko.jsa" ] && [ "$(cat "$home/lib/ko.jsa.home" 2>/dev/null)" = "$home" ]; then
  archive=$home/lib/ko.jsa
fi
# shellcheck disable=SC2086
exec "$home/runtime/bin/java" -XX:+UseSerialGC -Xmx"${KO_SERVER_MAX_HEAP:-1g}" \
  -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -Xshare:auto ${archive:+-XX:SharedArchiveFile="$archive"} \
  -Xlog:disable -Xlog:all=warning:stderr ${KO_SERVER_JVM_OPTS:-} \
  -cp "$home/lib/ko.jar" dev.ko.server.ServerMain "$@"
LAUNCHER
chmod +x "$out/lib/ko-server"
if command -v gcc >/dev/null 2>&1; then
  gcc -O2 -Wall -o "$out/bin/ko" "$root/src/main/c/ko-client.c"
else
  echo "package: no gcc, so no build server client: bin/ko runs cold" >&2
  cp "$out/lib/ko-cold" "$out/bin/ko"
fi
rm -rf "$final.old"
if [[ -e "$final" ]]; then mv "$final" "$final.old"; fi
mv "$out" "$final"
rm -rf "$final.old"
# Made in place: the archive records the jar's path, and a moved jar would not match it.
# The archive of the classes a build loads, made by the runtime that will read it.
"$final/runtime/bin/java" -XX:+UseSerialGC -XX:ArchiveClassesAtExit="$final/lib/ko.jsa" \
  -Xlog:disable -jar "$final/lib/ko.jar" train-class-data >/dev/null
printf '%s' "$final" >"$final/lib/ko.jsa.home"

du -sh "$final" >&2
echo "$final/bin/ko"
