#!/usr/bin/env bash
# The README's main job, on a fresh machine of this kind: install what is missing, build ko-jvm,
# start a local registry holding a distroless-like base image, `ko build` the example app (it has
# kodata: a nested file and a symlink), then pull the pushed image, unpack it and run its binary.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
bed=${KO_QUICKSTART_DIR:-/tmp/ko-quickstart}
say() { printf '\n==> %s\n' "$*" >&2; }

say "Installing missing packages (go, docker-registry, skopeo, umoci, ...)"
"$root/scripts/testbed.sh" install

say "Building ko-jvm"
"$root/bin/ko" version >&2

say "Starting a local registry with the base image"
"$root/scripts/testbed.sh" stop "$bed" 2>/dev/null || true
env_file=$("$root/scripts/testbed.sh" start "$bed")
# shellcheck disable=SC1090
set -a && . "$env_file" && set +a

say "ko build ./cmd/hello   (in example/, KO_DOCKER_REPO=$TESTBED_REGISTRY/quickstart)"
cd "$root/example"
ref=$(KO_DOCKER_REPO="$TESTBED_REGISTRY/quickstart" KO_DEFAULTBASEIMAGE="$TESTBED_BASE" "$root/bin/ko" build ./cmd/hello)
printf '%s\n' "$ref"

say "Pulling $ref with skopeo, unpacking with umoci, running its entrypoint"
work=$(mktemp -d /tmp/ko-quickstart-run.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$root/scripts/run-image.sh" "$ref" "$work" 2>/dev/null

say "Done. The registry keeps running at $TESTBED_REGISTRY; stop it with: scripts/testbed.sh stop $bed"
