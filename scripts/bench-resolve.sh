#!/usr/bin/env bash
# Wall time of `ko resolve` on a directory with 8 distinct ko:// references, next to 8 sequential
# single `ko build` runs, in the same session, with a warm Go build cache.
#
#   scripts/bench-resolve.sh [RUNS]     (default 5 runs of each; medians are reported)
#
# Uses bin/ko and a throwaway test bed registry (scripts/testbed.sh), or the running one named by
# KO_TESTBED_ENV. Before every timed run each package gets a new version constant, so both sides
# really compile, link, layer and push: the edit-and-redeploy loop, not a no-op.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
runs=${1:-5}
work=$(mktemp -d /tmp/ko-bench-resolve.XXXXXX)
cleanup() {
  if [[ -n "${own_bed:-}" ]]; then "$root/scripts/testbed.sh" stop "$own_bed" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [[ -n "${KO_TESTBED_ENV:-}" ]]; then
  env_file=$KO_TESTBED_ENV
else
  "$root/scripts/testbed.sh" install >&2
  own_bed=$work/bed
  env_file=$("$root/scripts/testbed.sh" start "$own_bed")
fi
# shellcheck disable=SC1090
source "$env_file"

# A module with 8 tiny main packages (standard library only) and one manifest per package.
module=$work/app
mkdir -p "$module/config"
printf 'module example.com/bench\n\ngo 1.19\n' >"$module/go.mod"
names=(alpha bravo charlie delta echo foxtrot golf hotel)
for n in "${names[@]}"; do
  mkdir -p "$module/cmd/$n"
  cat >"$module/cmd/$n/main.go" <<EOF
package main

import "fmt"

func main() { fmt.Println("$n", version) }
EOF
  cat >"$module/config/$n.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $n  # one of eight
spec:
  template:
    spec:
      containers:
      - name: $n
        image: ko://example.com/bench/cmd/$n
EOF
done

bump() {
  for n in "${names[@]}"; do
    printf 'package main\n\nconst version = "%s"\n' "$1" >"$module/cmd/$n/version.go"
  done
}

export KO_DOCKER_REPO=$TESTBED_REGISTRY/bench
export KO_DEFAULTBASEIMAGE=$TESTBED_BASE
export KOCACHE=$work/kocache
ko=$root/bin/ko

ms_now() { echo $(($(date +%s%N) / 1000000)); }

median() {
  sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'
}

cd "$module"
"$ko" version >/dev/null # builds the jar and its class-data archive when needed
# Warm-up: fills the Go build cache (standard library for linux/amd64) and the base image cache.
bump warmup
"$ko" resolve -f config >/dev/null 2>&1
for n in "${names[@]}"; do "$ko" build "./cmd/$n" >/dev/null 2>&1; done

resolve_times=()
build_times=()
for ((i = 1; i <= runs; i++)); do
  bump "resolve-$i-$RANDOM"
  t0=$(ms_now)
  "$ko" resolve -f config >"$work/out.yaml" 2>"$work/err.log"
  resolve_times+=($(($(ms_now) - t0)))
  [[ $(grep -c '@sha256:' "$work/out.yaml") -eq 8 ]] || { echo "resolve output lacks 8 digests" >&2; exit 1; }

  bump "build-$i-$RANDOM"
  t0=$(ms_now)
  for n in "${names[@]}"; do
    "$ko" build "./cmd/$n" >>"$work/refs.txt" 2>"$work/err.log"
  done
  build_times+=($(($(ms_now) - t0)))
  echo "run $i: resolve ${resolve_times[-1]} ms, 8 x build ${build_times[-1]} ms" >&2
done

r=$(printf '%s\n' "${resolve_times[@]}" | median)
b=$(printf '%s\n' "${build_times[@]}" | median)
echo "ko resolve, 8 distinct references:   median ${r} ms over $runs runs"
echo "8 sequential ko build runs:          median ${b} ms over $runs runs"
awk -v r="$r" -v b="$b" 'BEGIN {printf "speed-up: %.1fx (%d cores)\n", b / r, '"$(nproc)"'}'
