#!/usr/bin/env bash
# Speed figures for ko-jvm's cold path and its warm path (the build server), measured in one run
# on this machine (timings here are noisy: compare the medians and ratios printed together, never
# figures from different runs).
#
#   scripts/bench.sh [RUNS]        (default 7 measured rounds, after 2 warm-up rounds)
#
# Every "changed" command sees a changed source file first (a new constant), so it really
# compiles and links, with a warm Go build cache; "no-op" commands change nothing. ko is bin/ko,
# the packaged distribution (scripts/package.sh), pushing to a local registry (scripts/testbed.sh).
#
#   example           go build / ko build of ./example/cmd/hello (linux/amd64)
#   example x2        ko build --platform=linux/amd64,linux/arm64, against both go builds
#   peer pipeline     go build + buildah bud (FROM base, COPY kodata and binary) + buildah push
#   csv2table, sftp-server, prom-random
#                     real programs with third-party dependencies, built in GOPATH mode from
#                     Debian's golang-*-dev sources (2.8 MB, 5.3 MB and 12.5 MB binaries)
#   no-op             nothing changed: go build, ko build (blob bytes and manifest requests counted)
#   kodata 200 MB     an app with 200 MB of random bytes in kodata: unchanged, and changed (the
#                     layer's throughput from files to pushed blob), beside sha256sum and gzip -1
#   version           ko version against java -version
#   warm ...          the same ko commands through the build server (KO_SERVER=1, a server of the
#                     bench's own); the cold ones run with KO_SERVER=0. After the rounds, warm
#                     no-op builds until the server has served 50 builds, then its resident memory.
#   build cache       sftp-server (third-party dependencies) on a fresh "machine" (own GOPATH copy,
#                     HOME, KOCACHE and GOCACHE, all empty) with a fresh --cache-repo: cold, a miss
#                     that builds and records; then a second fresh machine with the same cache
#                     repository: a hit, no go build. BENCH_ONLY=cache runs only this section.
set -euo pipefail

runs=${1:-7}
only=${BENCH_ONLY:-}
[[ -z "$only" || "$only" == cache ]] || { echo "bench: BENCH_ONLY must be cache or unset" >&2; exit 2; }
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
work=$(mktemp -d /tmp/ko-bench.XXXXXX)
bed="$work/testbed"
cleanup() {
  [[ -S "$work/server/ko.sock" ]] && "${warm[@]}" server stop >/dev/null 2>&1
  "$root/scripts/testbed.sh" stop "$bed" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$root/scripts/testbed.sh" install
need=()
for pkg in buildah golang-github-olekukonko-tablewriter-dev golang-github-pkg-sftp-dev \
  golang-github-prometheus-client-golang-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if ((${#need[@]})); then
  echo "bench: installing ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >&2
fi
ko="$root/bin/ko"
KO_SERVER=0 "$ko" version >/dev/null # packages the distribution when it is missing or stale
cold=(env KO_SERVER=0 "$ko")
mkdir -m 700 "$work/server"
warm=(env KO_SERVER=1 KO_SERVER_SOCKET="$work/server/ko.sock" "$ko")
warm_builds=0
# shellcheck disable=SC1090
set -a && . "$("$root/scripts/testbed.sh" start "$bed")" && set +a
export KO_DEFAULTBASEIMAGE=$TESTBED_BASE KOCACHE="$work/kocache" CGO_ENABLED=0
unset GOOS GOARCH GOARM KO_CONFIG_PATH

# ------------------------------------------------------------------ inputs
example="$work/example"
cp -r "$root/example" "$example"
gopath="$work/gopath"
declare -A program_dir=(
  [csv2table]=/usr/share/gocode/src/github.com/olekukonko/tablewriter/csv2table
  [sftp-server]=/usr/share/gocode/src/github.com/pkg/sftp/examples/go-sftp-server
  [prom-random]=/usr/share/doc/golang-github-prometheus-client-golang-dev/examples/random
)
programs=(csv2table sftp-server prom-random)
for p in "${programs[@]}"; do
  mkdir -p "$gopath/src/example.com/$p"
  cp "${program_dir[$p]}"/*.go "$gopath/src/example.com/$p/"
done
big="$work/big"
mkdir -p "$big/cmd/big/kodata"
printf 'module example.com/big\n\ngo 1.19\n' >"$big/go.mod"
printf 'package main\n\nfunc main() { println("big") }\n' >"$big/cmd/big/main.go"
head -c 200M /dev/urandom >"$big/cmd/big/kodata/big.bin"
small="$work/small"
mkdir -p "$small/cmd/small"
printf 'module example.com/small\n\ngo 1.19\n' >"$small/go.mod"
printf 'package main\n\nfunc main() { println("big") }\n' >"$small/cmd/small/main.go"

n=0
stamp() { # DIR: a new constant in the package, so go build compiles and links again
  n=$((n + 1))
  printf 'package main\n\nconst benchStamp = %d\n' "$n" >"$1/stamp.go"
}
gopath_env=(env GO111MODULE=off GOPATH="$gopath:/usr/share/gocode")

ms_now() { date +%s%N; }
declare -A times
time_it() { # name dir command...
  local name=$1 dir=$2 start end
  shift 2
  start=$(ms_now)
  (cd "$dir" && "$@") >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; exit 1; }
  end=$(ms_now)
  times[$name]+="$(((end - start) / 1000000)) "
}

peer_pipeline() {
  go build -trimpath -o "$work/peer/hello" ./cmd/hello
  buildah --storage-driver vfs --root "$work/buildah" bud --tls-verify=false -q -t localhost/peer-hello "$work/peer"
  buildah --storage-driver vfs --root "$work/buildah" push --tls-verify=false -q localhost/peer-hello \
    "docker://$TESTBED_REGISTRY/peer/hello:latest"
}
mkdir -p "$work/peer"
cp -r "$example/cmd/hello/kodata" "$work/peer/kodata"
cat >"$work/peer/Dockerfile" <<DOCKERFILE
FROM $TESTBED_BASE
COPY kodata /var/run/ko
COPY hello /ko-app/hello
ENV KO_DATA_PATH=/var/run/ko
ENTRYPOINT ["/ko-app/hello"]
DOCKERFILE

# The registry's own ingest floor: one upload session and one PUT of FILE (digest known), by curl.
registry_put() { # FILE DIGEST
  local location
  location=$(curl -sf -D - -o /dev/null -X POST "http://$TESTBED_REGISTRY/v2/bench/floor/blobs/uploads/" |
    tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
  [[ "$location" == http* ]] || location="http://$TESTBED_REGISTRY$location"
  curl -sf -o /dev/null -T "$1" -H 'Content-Type: application/octet-stream' "$location&digest=$2"
}

two_go_builds() {
  GOARCH=amd64 go build -trimpath -o "$work/out-amd64" ./cmd/hello
  GOARCH=arm64 go build -trimpath -o "$work/out-arm64" ./cmd/hello
}

# Requests the registry completed since a mark in its log, as "METHOD PATH" lines.
log_mark() { stat -c %s "$TESTBED_LOG"; }
requests_since() {
  tail -c +"$(($1 + 1))" "$TESTBED_LOG" | grep 'response completed' |
    sed -E 's/.*http.request.method=([A-Z]+).*http.request.uri="?([^" ]*)"?.*/\1 \2/'
}

round() {
  stamp "$example/cmd/hello"
  time_it "go build" "$example" go build -trimpath -o "$work/out" ./cmd/hello
  stamp "$example/cmd/hello"
  time_it "ko build" "$example" env KO_DOCKER_REPO="$TESTBED_REGISTRY/bench" "${cold[@]}" build ./cmd/hello
  stamp "$example/cmd/hello"
  time_it "warm ko build" "$example" env KO_DOCKER_REPO="$TESTBED_REGISTRY/bench" "${warm[@]}" build ./cmd/hello
  warm_builds=$((warm_builds + 1))
  stamp "$example/cmd/hello"
  time_it "2 go builds" "$example" two_go_builds
  stamp "$example/cmd/hello"
  time_it "ko build x2" "$example" env KO_DOCKER_REPO="$TESTBED_REGISTRY/bench2" "${cold[@]}" build \
    --platform=linux/amd64,linux/arm64 ./cmd/hello
  stamp "$example/cmd/hello"
  time_it "peer pipeline" "$example" peer_pipeline
  for p in "${programs[@]}"; do
    local dir="$gopath/src/example.com/$p"
    stamp "$dir"
    time_it "go build $p" "$dir" "${gopath_env[@]}" go build -trimpath -o "$work/out-$p" .
    stamp "$dir"
    time_it "ko build $p" "$dir" "${gopath_env[@]}" KO_DOCKER_REPO="$TESTBED_REGISTRY/bench" "${cold[@]}" build .
    stamp "$dir"
    time_it "warm ko build $p" "$dir" "${gopath_env[@]}" KO_DOCKER_REPO="$TESTBED_REGISTRY/bench" "${warm[@]}" build .
    warm_builds=$((warm_builds + 1))
  done
  # No-op: the example as the last ko build left it.
  (cd "$example" && KO_DOCKER_REPO="$TESTBED_REGISTRY/bench" "${cold[@]}" build ./cmd/hello >/dev/null 2>&1)
  time_it "no-op go build" "$example" go build -trimpath -o "$work/out" ./cmd/hello
  local mark
  mark=$(log_mark)
  time_it "no-op ko build" "$example" env KO_DOCKER_REPO="$TESTBED_REGISTRY/bench" "${cold[@]}" build ./cmd/hello
  sleep 0.2 # the registry writes its log line after the reply
  noop_requests=$(requests_since "$mark" | sort | uniq -c | sed 's/^ */    /')
  time_it "warm no-op ko build" "$example" env KO_DOCKER_REPO="$TESTBED_REGISTRY/bench" "${warm[@]}" build ./cmd/hello
  warm_builds=$((warm_builds + 1))
  # 200 MB of kodata: unchanged (both apps no-op), then changed (a new first MiB, still random).
  (cd "$small" && KO_DOCKER_REPO="$TESTBED_REGISTRY/bench" "${cold[@]}" build ./cmd/small >/dev/null 2>&1)
  (cd "$big" && KO_DOCKER_REPO="$TESTBED_REGISTRY/bench" "${cold[@]}" build ./cmd/big >/dev/null 2>&1)
  time_it "no-op small app" "$small" env KO_DOCKER_REPO="$TESTBED_REGISTRY/bench" "${cold[@]}" build ./cmd/small
  time_it "no-op 200 MB kodata" "$big" env KO_DOCKER_REPO="$TESTBED_REGISTRY/bench" "${cold[@]}" build ./cmd/big
  head -c 1M /dev/urandom | dd of="$big/cmd/big/kodata/big.bin" conv=notrunc status=none
  time_it "changed 200 MB kodata" "$big" env KO_DOCKER_REPO="$TESTBED_REGISTRY/bench" "${cold[@]}" build ./cmd/big
  time_it "sha256sum 200 MB" "$big" sha256sum cmd/big/kodata/big.bin
  time_it "gzip -1 200 MB" "$big" sh -c 'gzip -1 -c cmd/big/kodata/big.bin >/dev/null'
  big_digest=sha256:$(sha256sum "$big/cmd/big/kodata/big.bin" | cut -d' ' -f1)
  time_it "registry PUT 200 MB" "$big" registry_put cmd/big/kodata/big.bin "$big_digest"
  time_it "java -version" "$work" java -version
  time_it "ko version" "$work" "${cold[@]}" version
  time_it "warm ko version" "$work" "${warm[@]}" version
}

# Two fresh machines sharing one new cache repository: A builds cold (a miss, recorded), B hits.
cache_round() {
  local repo="$TESTBED_REGISTRY/bench-cache-$(ms_now)" machine m
  for machine in a b; do
    m="$work/cache-machine-$machine"
    rm -rf "$m"
    mkdir -p "$m/home" "$m/kocache" "$m/gocache"
    cp -r "$gopath" "$m/gopath" # another checkout path
    time_it "cache $machine" "$m/gopath/src/example.com/sftp-server" env HOME="$m/home" \
      KOCACHE="$m/kocache" GOCACHE="$m/gocache" GO111MODULE=off GOPATH="$m/gopath:/usr/share/gocode" \
      KO_CACHE_REPO="$repo" KO_DOCKER_REPO="$TESTBED_REGISTRY/bench-cache" "${cold[@]}" build -v .
    local want=miss
    [[ $machine == b ]] && want=hit
    grep -q "cache $want " "$work/last.err" || {
      echo "bench: build cache: machine $machine was no cache $want:" >&2
      cat "$work/last.err" >&2
      exit 1
    }
    if [[ $machine == b ]] && grep -q "^.* Building " "$work/last.err"; then
      echo "bench: build cache: the hit built" >&2
      exit 1
    fi
  done
  rm -rf "$work"/cache-machine-*
}

if [[ -z "$only" ]]; then
  echo "bench: warming up (Go build caches for every platform, base image pulls, class data)" >&2
  round
  round
  for name in "${!times[@]}"; do times[$name]=""; done
  echo "bench: $runs measured rounds" >&2
  for ((i = 0; i < runs; i++)); do round; done

  # The server's memory once it has served 50 builds (no-op ones after the rounds' builds).
  while ((warm_builds < 50)); do
    (cd "$example" && KO_DOCKER_REPO="$TESTBED_REGISTRY/bench" "${warm[@]}" build ./cmd/hello >/dev/null 2>&1)
    warm_builds=$((warm_builds + 1))
  done
  server_pid=$("${warm[@]}" server status | sed -n 's/.*pid \([0-9]*\),.*/\1/p')
  server_rss=$(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$server_pid/status")
  server_hwm=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$server_pid/status")
fi
# Cold builds are long (the standard library compiles too): fewer rounds than the others.
cache_runs=$(((runs + 1) / 2))
echo "bench: build cache, $cache_runs rounds of two fresh machines" >&2
for ((i = 0; i < cache_runs; i++)); do cache_round; done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
m() { median <<<"${times[$1]}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
check() { # value op limit
  awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == "<=") ? v <= l : v >= l; printf "%s", ok ? "met" : "MISSED" }'
}

cache_report() {
  local r_cache
  r_cache=$(ratio "$(m "cache b")" "$(m "cache a")")
  printf '\n%-44s %10s   %s\n' "build cache (sftp-server, fresh machines)" "median ms" "all runs (ms)"
  printf '%-44s %10d   %s\n' "machine A: cold, a miss (builds, records)" "$(m "cache a")" "${times[cache a]}"
  printf '%-44s %10d   %s\n' "machine B: a hit (no go build)" "$(m "cache b")" "${times[cache b]}"
  printf '%-58s %-10s %s\n' "build cache: hit / cold <= 0.2" "$r_cache" "$(check "$r_cache" "<=" 0.2)"
}
if [[ "$only" == cache ]]; then
  cache_report
  exit 0
fi

printf '\n%-24s %10s   %s\n' "command" "median ms" "all runs (ms)"
for name in "go build" "ko build" "2 go builds" "ko build x2" "peer pipeline" \
  "go build csv2table" "ko build csv2table" "go build sftp-server" "ko build sftp-server" \
  "go build prom-random" "ko build prom-random" "no-op go build" "no-op ko build" \
  "no-op small app" "no-op 200 MB kodata" "changed 200 MB kodata" "sha256sum 200 MB" "gzip -1 200 MB" "registry PUT 200 MB" \
  "java -version" "ko version" "warm ko build" "warm ko build csv2table" \
  "warm ko build sftp-server" "warm ko build prom-random" "warm no-op ko build" "warm ko version"; do
  printf '%-24s %10d   %s\n' "$name" "$(m "$name")" "${times[$name]}"
done

r_example=$(ratio "$(m "ko build")" "$(m "go build")")
r_peer=$(ratio "$(m "ko build")" "$(m "peer pipeline")")
d_x2=$(($(m "ko build x2") - $(m "2 go builds")))
r_noop=$(ratio "$(m "no-op ko build")" "$(m "no-op go build")")
r_kodata=$(ratio "$(m "no-op 200 MB kodata")" "$(m "no-op small app")")
layer_ms=$(($(m "changed 200 MB kodata") - $(m "no-op small app")))
mbps=$(awk -v ms="$layer_ms" 'BEGIN { printf "%.0f", 200 * 1000 / (ms > 0 ? ms : 1) }')
floor_mbps=$(awk -v ms="$(m "registry PUT 200 MB")" 'BEGIN { printf "%.0f", 200 * 1000 / (ms > 0 ? ms : 1) }')
r_version=$(ratio "$(m "ko version")" "$(m "java -version")")
w_example=$(ratio "$(m "warm ko build")" "$(m "go build")")
w_noop=$(ratio "$(m "warm no-op ko build")" "$(m "no-op go build")")
w_version=$(ratio "$(m "warm ko version")" "$(m "java -version")")
printf '\n%-58s %-10s %s\n' "target" "measured" ""
printf '%-58s %-10s %s\n' "example: ko build / go build <= 1.8" "$r_example" "$(check "$r_example" "<=" 1.8)"
printf '%-58s %-10s %s\n' "example: ko build / peer pipeline <= 0.35" "$r_peer" "$(check "$r_peer" "<=" 0.35)"
for p in "${programs[@]}"; do
  d=$(($(m "ko build $p") - $(m "go build $p")))
  printf '%-58s %-10s %s\n' "$p: ko build - go build <= 150 ms" "$d" "$(check "$d" "<=" 150)"
done
printf '%-58s %-10s %s\n' "two platforms: ko build x2 - the two go builds <= 200 ms" "$d_x2" "$(check "$d_x2" "<=" 200)"
printf '%-58s %-10s %s\n' "no-op: ko build / go build <= 3" "$r_noop" "$(check "$r_noop" "<=" 3)"
printf '%-58s %-10s %s\n' "200 MB kodata unchanged: / app without it <= 1.2" "$r_kodata" "$(check "$r_kodata" "<=" 1.2)"
printf '%-58s %-10s %s\n' "200 MB kodata changed: MB/s from files to pushed blob >= 200" "$mbps" "$(check "$mbps" ">=" 200)"
printf '%-58s %-10s %s\n' "  (floor: the registry alone ingests the 200 MB at, MB/s)" "$floor_mbps" ""
printf '%-58s %-10s %s\n' "ko version / java -version <= 2.5" "$r_version" "$(check "$r_version" "<=" 2.5)"
printf '\nrequests of the last no-op ko build (count, method, path):\n%s\n' "$noop_requests"
printf '\n%-58s %-10s %s\n' "warm target (build server)" "measured" ""
printf '%-58s %-10s %s\n' "example: warm ko build / go build <= 1.3" "$w_example" "$(check "$w_example" "<=" 1.3)"
for p in "${programs[@]}"; do
  d=$(($(m "warm ko build $p") - $(m "go build $p")))
  printf '%-58s %-10s %s\n' "$p: warm ko build - go build <= 40 ms" "$d" "$(check "$d" "<=" 40)"
done
printf '%-58s %-10s %s\n' "no-op: warm ko build / go build <= 1.5" "$w_noop" "$(check "$w_noop" "<=" 1.5)"
printf '%-58s %-10s %s\n' "warm ko version / java -version <= 1.5" "$w_version" "$(check "$w_version" "<=" 1.5)"
printf '%-58s %-10s\n' "server resident memory after $warm_builds builds (MB)" "$server_rss"
printf '%-58s %-10s\n' "server peak resident memory (MB)" "$server_hwm"
cache_report
