#!/usr/bin/env bash
# Speed figures for ko-jvm, measured in one run on this machine (timings here are noisy: compare
# the medians and ratios printed together, never figures from different runs).
#
#   scripts/bench.sh [RUNS]
#
# Every measured command sees a changed source file first (a new constant), so each one really
# compiles and links, with a warm Go build cache:
#   go build        CGO_ENABLED=0 go build -trimpath of the example app (the floor for any tool)
#   ko build        bin/ko build ./cmd/hello, pushed to a local registry (linux/amd64)
#   ko build x2     the same with --platform=linux/amd64,linux/arm64 (an index of two images)
#   peer pipeline   go build + buildah bud (FROM base, COPY kodata and binary) + buildah push:
#                   the classic daemonless pipeline for the same image
set -euo pipefail

runs=${1:-9}
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
work=$(mktemp -d /tmp/ko-bench.XXXXXX)
bed="$work/testbed"
cleanup() {
  "$root/scripts/testbed.sh" stop "$bed" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$root/scripts/testbed.sh" install
peer=1
if ! command -v buildah >/dev/null; then
  echo "bench: installing buildah for the peer pipeline" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends buildah runc >&2 || peer=0
fi
"$root/bin/ko" version >/dev/null
# shellcheck disable=SC1090
set -a && . "$("$root/scripts/testbed.sh" start "$bed")" && set +a

module="$work/example"
cp -r "$root/example" "$module"
cd "$module"
export KO_DEFAULTBASEIMAGE=$TESTBED_BASE KOCACHE="$work/kocache"
export CGO_ENABLED=0
n=0
change_source() {
  n=$((n + 1))
  printf 'package main\n\nconst benchStamp = %d\n' "$n" >cmd/hello/stamp.go
}

ms_now() { date +%s%N; }
declare -A times
measure() { # name command...
  local name=$1 start end
  shift
  change_source
  start=$(ms_now)
  "$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; exit 1; }
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
cp -r cmd/hello/kodata "$work/peer/kodata"
cat >"$work/peer/Dockerfile" <<DOCKERFILE
FROM $TESTBED_BASE
COPY kodata /var/run/ko
COPY hello /ko-app/hello
ENV KO_DATA_PATH=/var/run/ko
ENTRYPOINT ["/ko-app/hello"]
DOCKERFILE

round() {
  measure "go build" go build -trimpath -o "$work/out" ./cmd/hello
  measure "ko build" env KO_DOCKER_REPO="$TESTBED_REGISTRY/bench" "$root/bin/ko" build ./cmd/hello
  measure "ko build x2" env KO_DOCKER_REPO="$TESTBED_REGISTRY/bench2" "$root/bin/ko" build \
    --platform=linux/amd64,linux/arm64 ./cmd/hello
  if ((peer)); then
    measure "peer pipeline" peer_pipeline
  fi
}

echo "bench: warming up (Go build cache for both platforms, base image pulls)" >&2
round
round
for name in "${!times[@]}"; do times[$name]=""; done
echo "bench: $runs measured rounds" >&2
for ((i = 0; i < runs; i++)); do round; done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
go_ms=$(median <<<"${times[go build]}")
printf '\n%-15s %10s %10s   %s\n' "command" "median ms" "x go build" "all runs (ms)"
for name in "go build" "ko build" "ko build x2" "peer pipeline"; do
  [[ -n ${times[$name]:-} ]] || continue
  m=$(median <<<"${times[$name]}")
  printf '%-15s %10d %10s   %s\n' "$name" "$m" "$(ratio "$m" "$go_ms")" "${times[$name]}"
done
if ((peer)); then
  ko_ms=$(median <<<"${times[ko build]}")
  peer_ms=$(median <<<"${times[peer pipeline]}")
  printf '\nko build / peer pipeline: %s\n' "$(ratio "$ko_ms" "$peer_ms")"
fi
