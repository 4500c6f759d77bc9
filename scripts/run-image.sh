#!/usr/bin/env bash
# Runs a pushed image's entrypoint, independently of the project's Java code:
# skopeo pulls it into an OCI layout, umoci unpacks it, and runimg starts the
# entrypoint inside the rootfs with the image's Env, WorkingDir and User.
#
#   run-image.sh REF WORKDIR [ARCH [VARIANT]] [-- ARG...]
#
# REF      image reference without transport, e.g. 127.0.0.1:5000/app:latest
#          or 127.0.0.1:5000/app@sha256:...
# WORKDIR  scratch directory (WORKDIR/oci, WORKDIR/bundle); left in place.
# ARCH     platform to pick from an index (linux/ARCH[/VARIANT]); without it
#          skopeo picks the host's platform.
# ARG...   appended to the image's entrypoint + cmd.
#
# The program's stdout and stderr pass through untouched (our own chatter and
# the tools' progress go to stderr) and its exit code is ours.
#
# Environment:
#   TESTBED_RUNIMG                 runimg binary (when unset, the one
#                                  `testbed.sh runimg` keeps in its cache,
#                                  built once)
#   TESTBED_USER/TESTBED_PASSWORD  registry credentials, if the test bed was
#                                  started with --htpasswd
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR

log() { printf 'run-image: %s\n' "$*" >&2; }
die() {
  printf 'run-image: error: %s\n' "$*" >&2
  exit 125
}

usage() {
  printf 'usage: run-image.sh REF WORKDIR [ARCH [VARIANT]] [-- ARG...]\n' >&2
  exit 2
}

# Linux machine names qemu uses for Go/OCI architecture names.
qemu_arch() {
  case $1 in
    amd64) echo x86_64 ;;
    arm64) echo aarch64 ;;
    arm) echo arm ;;
    386) echo i386 ;;
    ppc64le) echo ppc64le ;;
    s390x) echo s390x ;;
    riscv64) echo riscv64 ;;
    mips64le) echo mips64el ;;
    *) echo "$1" ;;
  esac
}

host_arch() {
  case $(uname -m) in
    x86_64) echo amd64 ;;
    aarch64) echo arm64 ;;
    armv7l | armv6l) echo arm ;;
    i?86) echo 386 ;;
    *) uname -m ;;
  esac
}

main() {
  local ref="" workdir="" arch="" variant="" extra=()
  (($# >= 2)) || usage
  ref=$1
  workdir=$2
  shift 2
  if (($# > 0)) && [[ $1 != -- ]]; then
    arch=$1
    shift
  fi
  if (($# > 0)) && [[ $1 != -- ]]; then
    variant=$1
    shift
  fi
  if (($# > 0)); then
    [[ $1 == -- ]] || usage
    shift
    extra=("$@")
  fi

  mkdir -p "${workdir}"
  workdir=$(cd "${workdir}" && pwd)
  # Ours from an earlier run in the same WORKDIR; umoci refuses an existing
  # bundle.
  rm -rf "${workdir}/oci" "${workdir}/bundle"

  # Pull one platform into an OCI layout. skopeo converts Docker media types
  # to OCI on the way, and umoci cannot unpack an index, so the platform is
  # chosen here. --insecure-policy: no dependence on the host's policy.json.
  local copy=(skopeo copy --insecure-policy --src-tls-verify=false)
  if [[ -n ${arch} ]]; then
    copy+=(--override-os linux --override-arch "${arch}")
    [[ -z ${variant} ]] || copy+=(--override-variant "${variant}")
  fi
  if [[ -n ${TESTBED_USER:-} ]]; then
    copy+=(--src-creds "${TESTBED_USER}:${TESTBED_PASSWORD:-}")
  fi
  log "pulling ${ref}${arch:+ (linux/${arch}${variant:+/${variant}})}"
  "${copy[@]}" "docker://${ref}" "oci:${workdir}/oci:img" >&2 ||
    die "skopeo copy of ${ref} failed"

  # As root and not rootless, so file owners in the layers are kept.
  umoci unpack --image "${workdir}/oci:img" "${workdir}/bundle" >&2 ||
    die "umoci unpack failed"

  # The image config, as skopeo stored it in the layout.
  local manifest config image_arch
  manifest=$(jq -r '.manifests[0].digest' "${workdir}/oci/index.json")
  config="${workdir}/oci/blobs/sha256/$(jq -r '.config.digest' \
    "${workdir}/oci/blobs/sha256/${manifest#sha256:}" | cut -d: -f2)"
  image_arch=$(jq -r '.architecture // ""' "${config}")

  # Command, Env and WorkingDir straight from the image config, in order:
  # umoci's runtime spec would substitute "sh" for a missing command and add
  # TERM=xterm. Only HOME is added when the image does not set it, as Docker
  # does; umoci derived it from /etc/passwd. The numeric user comes from the
  # spec: umoci resolved User against the image's /etc/passwd and
  # /etc/group, so names work too.
  local spec="${workdir}/bundle/config.json" args=() env=() cwd uid gid home
  mapfile -d '' -t args < <(jq -j \
    '((.config.Entrypoint // []) + (.config.Cmd // []))[] | ., "\u0000"' "${config}")
  mapfile -d '' -t env < <(jq -j '(.config.Env // [])[] | ., "\u0000"' "${config}")
  home=$(jq -r '[(.process.env // [])[] | select(startswith("HOME="))][0] // "HOME=/"' "${spec}")
  if ! printf '%s\n' "${env[@]}" | grep -q '^HOME='; then
    env+=("${home}")
  fi
  cwd=$(jq -r 'if (.config.WorkingDir // "") == "" then "/" else .config.WorkingDir end' "${config}")
  uid=$(jq -r '.process.user.uid // 0' "${spec}")
  gid=$(jq -r '.process.user.gid // 0' "${spec}")
  ((${#args[@]} + ${#extra[@]} > 0)) || die "image has no entrypoint or cmd and no args were given"
  args+=("${extra[@]}")

  # Foreign binaries run through binfmt_misc (testbed.sh install enables it).
  # If it is not available, run qemu-user-static explicitly from inside the
  # rootfs instead.
  if [[ -n ${image_arch} && ${image_arch} != "$(host_arch)" ]]; then
    local qarch entry
    qarch=$(qemu_arch "${image_arch}")
    entry=/proc/sys/fs/binfmt_misc/qemu-${qarch}
    if ! { [[ -f ${entry} ]] && grep -qx enabled "${entry}" &&
      grep -qx enabled /proc/sys/fs/binfmt_misc/status; }; then
      local qemu=/usr/bin/qemu-${qarch}-static
      [[ -x ${qemu} ]] || die "${image_arch} image, but no binfmt handler and no ${qemu}"
      log "binfmt for ${qarch} not enabled; running through ${qemu##*/}"
      cp "${qemu}" "${workdir}/bundle/rootfs/.run-image-qemu"
      args=(/.run-image-qemu "${args[@]}")
    fi
  fi

  local runimg=${TESTBED_RUNIMG:-}
  if [[ -z ${runimg} ]]; then
    runimg=$("${SCRIPT_DIR}/testbed.sh" runimg) || die "building runimg failed"
  fi
  [[ -x ${runimg} ]] || die "runimg not executable: ${runimg}"

  local cmd=("${runimg}" -rootfs "${workdir}/bundle/rootfs" -user "${uid}:${gid}" -workdir "${cwd}")
  local kv
  for kv in "${env[@]}"; do
    cmd+=(-env "${kv}")
  done
  exec "${cmd[@]}" -- "${args[@]}"
}

main "$@"
