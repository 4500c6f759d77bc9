#!/usr/bin/env bash
# Runs every unit and integration test, on a fresh machine of this kind: installs what is missing
# (Debian packages, binfmt for foreign binaries), starts a throwaway registry seeded with the base
# images, runs `mvn verify`, and stops the registry and deletes its storage again. .ci/run calls
# exactly this.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"

scripts/testbed.sh install
bed=$(mktemp -d /tmp/ko-test-bed.XXXXXX)
# The registry's storage holds every image the tests pushed: gone with the test bed.
trap 'scripts/testbed.sh stop "$bed" || true; rm -rf "$bed"' EXIT
env_file=$(scripts/testbed.sh start "$bed")

KO_TESTBED_ENV="$env_file" mvn -B verify "$@"
