#!/usr/bin/env bash
# Test bed for "ko for the JVM": a real registry (CNCF distribution) on a free
# loopback port, seeded with a small distroless-like base image, plus the
# runimg helper that scripts/run-image.sh uses to run pushed images.
#
#   testbed.sh install
#       Install the Debian packages the test bed needs (only if some are
#       missing) and enable binfmt_misc so foreign-arch binaries run.
#   testbed.sh start DIR [--tls] [--htpasswd USER:PASS]
#                        [--token REALM_URL,SERVICE,ISSUER,CERT --token-user USER:PASS]
#       Start a throwaway registry with its state under DIR, seed the base
#       images, and print the path of DIR/env (KEY=value lines) on stdout.
#       --token turns on Bearer token auth: the registry sends clients to the
#       token server at REALM_URL (which the caller runs) and accepts the RS256
#       tokens it signs with the key of CERT (a PEM certificate) for SERVICE
#       and ISSUER. The script gets its own seeding token from REALM_URL as
#       --token-user.
#   testbed.sh stop DIR
#       Stop the registry started in DIR (DIR itself is kept).
#   testbed.sh runimg
#       Print the path of the runimg binary, building it into the cache only
#       when it is missing or older than its sources.
#
# Only the env file path goes to stdout, so callers can do
#   env_file=$(scripts/testbed.sh start /tmp/tb)
# Everything else (progress, warnings, errors) goes to stderr.
#
# Environment:
#   KO_TESTBED_CACHE  cache for downloaded .debs, the built base image and the
#                     runimg binary (default /var/cache/ko-testbed when
#                     writable, else ~/.cache/ko-testbed).

# $names inside single quotes are jq variables and dpkg-query fields, not
# shell expansions.
# shellcheck disable=SC2016
set -Eeuo pipefail
# set -e alone exits silently; say which command failed.
trap 'printf "testbed: error: \"%s\" failed (exit %d, line %d)\n" "${BASH_COMMAND}" "$?" "${LINENO}" >&2' ERR

# Fixed modes regardless of the caller's umask: file modes end up in the base
# layer and must not vary between machines.
umask 022

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
readonly SCRIPT_PATH="${SCRIPT_DIR}/${BASH_SOURCE[0]##*/}"
readonly RUNIMG_SRC_DIR="${SCRIPT_DIR}/testbed"

readonly PACKAGES=(docker-registry golang-go skopeo umoci qemu-user-static git libcap2-bin
  binfmt-support jq curl openssl apache2-utils ca-certificates tzdata podman runc fish)

readonly BINFMT_DIR=/proc/sys/fs/binfmt_misc

# Media types, spelled once.
readonly MT_OCI_INDEX=application/vnd.oci.image.index.v1+json
readonly MT_OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
readonly MT_OCI_CONFIG=application/vnd.oci.image.config.v1+json
readonly MT_OCI_LAYER=application/vnd.oci.image.layer.v1.tar+gzip
readonly MT_DOCKER_LIST=application/vnd.docker.distribution.manifest.list.v2+json
readonly MT_DOCKER_MANIFEST=application/vnd.docker.distribution.manifest.v2+json
readonly MT_DOCKER_CONFIG=application/vnd.docker.container.image.v1+json
readonly MT_DOCKER_LAYER=application/vnd.docker.image.rootfs.diff.tar.gzip

# Repositories and tags of the seeded base images.
readonly BASE_REPO=distroless/static
readonly BASE_TAG=nonroot
readonly BASE_SINGLE_TAG=amd64
readonly MIXED_TAG=mixed
readonly DOCKER_REPO=distroless-docker/static

log() { printf 'testbed: %s\n' "$*" >&2; }
warn() { printf 'testbed: warning: %s\n' "$*" >&2; }
die() {
  printf 'testbed: error: %s\n' "$*" >&2
  exit 1
}

usage() {
  cat >&2 <<'EOF'
usage: testbed.sh install
       testbed.sh start DIR [--tls] [--htpasswd USER:PASS]
                            [--token REALM_URL,SERVICE,ISSUER,CERT --token-user USER:PASS]
       testbed.sh stop DIR
       testbed.sh runimg
EOF
  exit 2
}

# Root is needed for apt, mount and chown; use sudo only when not root.
as_root() {
  if [[ ${EUID} -eq 0 ]]; then
    "$@"
  else
    sudo "$@"
  fi
}

cache_root() {
  if [[ -n ${KO_TESTBED_CACHE:-} ]]; then
    printf '%s\n' "${KO_TESTBED_CACHE}"
  elif mkdir -p /var/cache/ko-testbed 2>/dev/null && [[ -w /var/cache/ko-testbed ]]; then
    printf '%s\n' /var/cache/ko-testbed
  else
    printf '%s\n' "${XDG_CACHE_HOME:-${HOME}/.cache}/ko-testbed"
  fi
}

# ---------------------------------------------------------------- install ---

cmd_install() {
  [[ $# -eq 0 ]] || usage
  # One dpkg-query for all packages keeps the "nothing to do" case fast. It
  # exits non-zero (and omits the line) for packages it has never seen.
  local missing=() installed pkg
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null || true)
  for pkg in "${PACKAGES[@]}"; do
    if ! grep -qE "^${pkg} ii" <<<"${installed}"; then
      missing+=("${pkg}")
    fi
  done
  if ((${#missing[@]} > 0)); then
    log "installing ${missing[*]}"
    as_root apt-get update >&2
    as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y --no-install-recommends "${missing[@]}" >&2
  else
    log "all packages present"
  fi
  enable_binfmt
  install_npm_verifiers
}

# sigstore-js's @sigstore/core (DSSE pre-authentication encoding, signature
# verification): an independent DSSE verifier for AttestationIntegrationTest,
# installed from npm into the cache (no other package; it has no dependencies).
readonly SIGSTORE_CORE=@sigstore/core@4.0.1
install_npm_verifiers() {
  local dir
  dir="$(cache_root)/npm"
  if [[ -f ${dir}/node_modules/@sigstore/core/package.json ]]; then
    return 0
  fi
  if ! command -v npm >/dev/null; then
    warn "npm not found; ${SIGSTORE_CORE} (a DSSE verifier for the tests) is not installed"
    return 0
  fi
  log "installing ${SIGSTORE_CORE} into ${dir}"
  mkdir -p "${dir}"
  npm install --prefix "${dir}" --no-audit --no-fund --loglevel=error "${SIGSTORE_CORE}" >&2
}

# Foreign binaries (the arm64 image, run by run-image.sh) need binfmt_misc with
# the qemu-user-static handlers. It is not mounted at boot on these machines.
enable_binfmt() {
  if ! grep -qs " ${BINFMT_DIR} binfmt_misc " /proc/mounts; then
    log "mounting binfmt_misc"
    if ! as_root mount -t binfmt_misc binfmt_misc "${BINFMT_DIR}" >&2; then
      warn "cannot mount binfmt_misc; foreign-arch images will not run"
      return 0
    fi
  fi
  if [[ -f ${BINFMT_DIR}/qemu-aarch64 ]] && grep -qx enabled "${BINFMT_DIR}/qemu-aarch64"; then
    return 0
  fi
  log "enabling binfmt handlers"
  if ! as_root update-binfmts --enable >&2; then
    warn "update-binfmts --enable failed; foreign-arch images will not run"
  fi
}

# ------------------------------------------------------------------ start ---

# Checks that the tools "install" provides are there, with a useful message.
require_tools() {
  local tool missing=()
  for tool in /usr/bin/docker-registry go skopeo umoci jq curl openssl htpasswd \
    dpkg-deb apt-get tar gzip sha256sum; do
    command -v "${tool}" >/dev/null 2>&1 || missing+=("${tool}")
  done
  ((${#missing[@]} == 0)) || die "missing ${missing[*]}; run: $0 install"
}

# A random loopback port in 20000-60000 that nothing answers on. Bash's
# /dev/tcp connect fails with "connection refused" for a free port. There is a
# race with other processes, so start_registry retries on a bind failure.
pick_port() {
  local port i
  for ((i = 0; i < 50; i++)); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
    if ! (: <>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then
      printf '%s\n' "${port}"
      return 0
    fi
  done
  die "no free port found"
}

# Single-quoted YAML scalar: only ' needs escaping (as '').
yaml_str() {
  printf "'%s'" "${1//\'/\'\'}"
}

# Token auth settings (--token): realm URL, service, issuer, certificate.
TOKEN_REALM=""
TOKEN_SERVICE=""
TOKEN_ISSUER=""
TOKEN_CERT=""

write_registry_config() {
  local dir=$1 port=$2 tls=$3 auth=$4
  {
    cat <<EOF
# Throwaway config written by testbed.sh; never the packaged one.
version: 0.1
log:
  # Default logrus text output at info: every request ends with one line
  # carrying http.request.method= and http.request.uri= (the URI is quoted
  # when it has characters like ':' or '?'): msg="response completed" for
  # 2xx/3xx, msg="response completed with error" or, for a 401, a warning
  # "error authorizing context". With auth on, an extra msg="authorized
  # request" line precedes each authorized request, so count by msg. Tests
  # count requests in registry.log. The Apache-style access log would repeat
  # every request in a second format, so it is off.
  level: info
  formatter: text
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $(yaml_str "${dir}/storage")
  delete:
    enabled: true
  maintenance:
    # No background purging of upload directories while tests run.
    uploadpurging:
      enabled: false
# Manifests may name foreign (non-distributable) layers by URL, as Windows
# base images do; the registry then never holds those blobs. Without an
# allow list it rejects every manifest with URLs.
validation:
  manifests:
    urls:
      allow:
        - ^https?://
http:
  addr: 127.0.0.1:${port}
  # A fixed secret silences the "generated random secret" warning; upload
  # state is signed with it, which is fine for a single throwaway instance.
  secret: ko-testbed-not-a-secret
EOF
    if [[ ${tls} == 1 ]]; then
      cat <<EOF
  tls:
    certificate: $(yaml_str "${dir}/server.pem")
    key: $(yaml_str "${dir}/server.key")
EOF
    fi
    if [[ ${auth} == 1 ]]; then
      cat <<EOF
auth:
  htpasswd:
    realm: ko-testbed
    path: $(yaml_str "${dir}/htpasswd")
EOF
    elif [[ -n ${TOKEN_REALM} ]]; then
      cat <<EOF
auth:
  token:
    realm: $(yaml_str "${TOKEN_REALM}")
    service: $(yaml_str "${TOKEN_SERVICE}")
    issuer: $(yaml_str "${TOKEN_ISSUER}")
    rootcertbundle: $(yaml_str "${TOKEN_CERT}")
EOF
    fi
  } >"${dir}/config.yml"
}

# A private CA and a server certificate for localhost/127.0.0.1 signed by it.
make_certs() {
  local dir=$1
  log "generating CA and server certificate"
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -subj "/CN=ko-testbed CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "${dir}/ca.key" -out "${dir}/ca.pem" 2>/dev/null
  openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" \
    -keyout "${dir}/server.key" -out "${dir}/server.csr" 2>/dev/null
  printf '%s\n' \
    "basicConstraints=CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" \
    "subjectAltName=DNS:localhost,IP:127.0.0.1" >"${dir}/server.ext"
  openssl x509 -req -sha256 -days 3650 -in "${dir}/server.csr" \
    -CA "${dir}/ca.pem" -CAkey "${dir}/ca.key" -CAcreateserial \
    -extfile "${dir}/server.ext" -out "${dir}/server.pem" 2>/dev/null
  rm -f "${dir}/server.csr" "${dir}/server.ext" "${dir}/ca.srl"
  # skopeo/podman --cert-dir wants CA roots as *.crt files.
  mkdir -p "${dir}/certs"
  cp "${dir}/ca.pem" "${dir}/certs/ca.crt"
}

# Globals used by the registry HTTP helpers below: the base URL, curl's
# TLS options (--cacert) and TLS plus credentials for authenticated calls.
REG_URL=""
CURL_TLS=()
CURL_AUTH=()

reg_curl() {
  curl -sS --max-time 30 "${CURL_AUTH[@]}" "$@"
}

# Starts the registry and waits for /v2/ to answer. Sets REG_PORT.
REG_PORT=""
start_registry() {
  local dir=$1 scheme=$2 tls=$3 auth=$4
  local attempt pid code i want=200 logpos
  [[ ${auth} == 0 && -z ${TOKEN_REALM} ]] || want=401
  touch "${dir}/registry.log"
  for ((attempt = 0; attempt < 5; attempt++)); do
    REG_PORT=$(pick_port)
    # The log is appended to across restarts; only this attempt's part counts.
    logpos=$(($(stat -c %s "${dir}/registry.log") + 1))
    write_registry_config "${dir}" "${REG_PORT}" "${tls}" "${auth}"
    # stdin/stdout/stderr all detached from ours: a caller reading our stdout
    # to EOF must not wait for the registry to exit.
    /usr/bin/docker-registry serve "${dir}/config.yml" \
      </dev/null >>"${dir}/registry.log" 2>&1 &
    pid=$!
    printf '%s\n' "${pid}" >"${dir}/registry.pid"
    REG_URL="${scheme}://127.0.0.1:${REG_PORT}"
    # Poll /v2/ without credentials: 200, or 401 when auth is on.
    for ((i = 0; i < 200; i++)); do
      if ! kill -0 "${pid}" 2>/dev/null; then
        break
      fi
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
        "${CURL_TLS[@]}" "${REG_URL}/v2/" || true)
      # The answer must come from our registry, not from another process that
      # took the port between pick_port and serve: ours logs that it listens.
      if [[ ${code} == "${want}" ]] && kill -0 "${pid}" 2>/dev/null &&
        tail -c "+${logpos}" "${dir}/registry.log" | grep -q "listening on 127.0.0.1:${REG_PORT}"; then
        log "registry pid ${pid} listening on ${REG_URL}"
        return 0
      fi
      sleep 0.05
    done
    if kill -0 "${pid}" 2>/dev/null; then
      kill "${pid}" 2>/dev/null || true
      wait "${pid}" 2>/dev/null || true
      tail -n 20 "${dir}/registry.log" >&2 || true
      die "registry did not answer ${want} on ${REG_URL}/v2/ within 10 s"
    fi
    wait "${pid}" 2>/dev/null || true
    if tail -c "+${logpos}" "${dir}/registry.log" | grep -q 'address already in use'; then
      warn "port ${REG_PORT} was taken, retrying"
      continue
    fi
    tail -n 20 "${dir}/registry.log" >&2 || true
    die "registry exited during startup (log: ${dir}/registry.log)"
  done
  die "could not bind a free port"
}

# ------------------------------------------------------ base image build ---

# Finds (or downloads once) the .deb of an installed package into the cache.
# Prefers the installed version, so the base follows the host's packages.
deb_path() {
  local pkg=$1 debdir=$2 ver enc f
  ver=$(dpkg-query -W -f='${Version}' "${pkg}" 2>/dev/null || true)
  # Debian file names encode the epoch colon as %3a.
  enc=${ver//:/%3a}
  if [[ -n ${ver} ]]; then
    for f in "${debdir}/${pkg}_${enc}_"*.deb "/var/cache/apt/archives/${pkg}_${enc}_"*.deb; do
      if [[ -f ${f} ]]; then
        [[ ${f} == "${debdir}"/* ]] || cp "${f}" "${debdir}/"
        printf '%s\n' "${debdir}/$(basename "${f}")"
        return 0
      fi
    done
  fi
  log "downloading ${pkg} ${ver}"
  (
    cd "${debdir}"
    # apt-get download as root warns about the unsandboxed _apt user; harmless.
    apt-get download "${pkg}${ver:+=${ver}}" >&2 2>&1 ||
      apt-get download "${pkg}" >&2 2>&1 ||
      { as_root apt-get update >&2 && apt-get download "${pkg}" >&2 2>&1; }
  ) || die "cannot download ${pkg}"
  # Pick the installed version if it came, else the newest cached one.
  for f in "${debdir}/${pkg}_${enc}_"*.deb; do
    if [[ -f ${f} ]]; then
      printf '%s\n' "${f}"
      return 0
    fi
  done
  f=$(find "${debdir}" -maxdepth 1 -name "${pkg}_*.deb" | sort -V | tail -n 1)
  [[ -n ${f} ]] || die "no ${pkg} .deb in ${debdir}"
  printf '%s\n' "${f}"
}

sha256_hex() { sha256sum "$1" | cut -d' ' -f1; }

# Stores FILE as a blob in OUT/blobs and prints "sha256:<hex> <size>".
add_blob() {
  local out=$1 file=$2 hex
  hex=$(sha256_hex "${file}")
  mv "${file}" "${out}/blobs/${hex}"
  printf 'sha256:%s %s\n' "${hex}" "$(stat -c %s "${out}/blobs/${hex}")"
}

# Writes JSON (compact, no trailing newline: these bytes are what gets
# hashed and pushed) into OUT/blobs and prints "sha256:<hex> <size>".
add_json_blob() {
  local out=$1
  shift
  jq -cjn "$@" >"${out}/tmp.json"
  add_blob "${out}" "${out}/tmp.json"
}

# Builds the whole base image set into OUT: blobs/<hex> plus OUT/meta, a file
# of KEY=value lines naming every digest. Deterministic for the same inputs.
build_base() {
  local out=$1 ca_deb=$2 tz_deb=$3 host_ca=$4
  local work="${out}/work" root
  # Owners are part of the layer; only root can set them on real files.
  [[ ${EUID} -eq 0 ]] || die "building the base image needs root (chown)"
  mkdir -p "${out}/blobs" "${work}"
  root="${work}/rootfs"

  # --- shared rootfs -------------------------------------------------------
  mkdir -p "${root}/etc/ssl/certs" "${root}/usr/share" "${root}/tmp" \
    "${root}/home/nonroot" "${root}/root"
  cat >"${root}/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
  cat >"${root}/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
EOF
  # Go's resolver reads this; distroless ships the same line.
  printf 'hosts: files dns\n' >"${root}/etc/nsswitch.conf"

  dpkg-deb -x "${tz_deb}" "${work}/tzdata"
  [[ -d ${work}/tzdata/usr/share/zoneinfo ]] || die "no zoneinfo in ${tz_deb}"
  mv "${work}/tzdata/usr/share/zoneinfo" "${root}/usr/share/zoneinfo"

  # The bundle file is generated by update-ca-certificates at install time,
  # so the .deb usually has only the individual certificates.
  dpkg-deb -x "${ca_deb}" "${work}/cacerts"
  if [[ -f ${work}/cacerts/etc/ssl/certs/ca-certificates.crt ]]; then
    cp "${work}/cacerts/etc/ssl/certs/ca-certificates.crt" "${root}/etc/ssl/certs/"
  else
    cp "${host_ca}" "${root}/etc/ssl/certs/ca-certificates.crt"
  fi

  # Normalise modes and owners (the .debs' modes and our umask must not leak
  # into the digest), then give the nonroot home its owner, as distroless does.
  find "${root}" -type d -exec chmod 0755 {} +
  find "${root}" -type f -exec chmod 0644 {} +
  chmod 1777 "${root}/tmp"
  chmod 0700 "${root}/root" "${root}/home/nonroot"
  # -h: change links themselves; never follow one out of the tree to a host file.
  chown -hR 0:0 "${root}"
  chown 65532:65532 "${root}/home/nonroot"

  # Owners come from the files themselves (root everywhere except the nonroot
  # home), so no --owner/--group here; --numeric-owner drops user names.
  local tar_opts=(--format=gnu --sort=name --mtime=@0 --numeric-owner
    --no-acls --no-selinux --no-xattrs)
  tar -C "${root}" "${tar_opts[@]}" -cf "${work}/base.tar" etc home root tmp usr
  local base_diff base_digest base_size
  base_diff="sha256:$(sha256_hex "${work}/base.tar")"
  gzip -n -c "${work}/base.tar" >"${work}/base.tar.gz"
  read -r base_digest base_size < <(add_blob "${out}" "${work}/base.tar.gz")

  {
    printf 'BASE_LAYER_DIGEST=%s\n' "${base_digest}"
    printf 'BASE_LAYER_DIFFID=%s\n' "${base_diff}"
  } >"${out}/meta"

  # --- per-arch layer, config and manifests -------------------------------
  local arch variant platform adir arch_diff arch_digest arch_size
  local cfg_digest cfg_size oci_digest oci_size dkr_digest dkr_size key
  local oci_entries="[]" dkr_entries="[]"
  for platform in amd64 arm64/v8; do
    arch=${platform%%/*}
    variant=""
    [[ ${platform} == */* ]] && variant=${platform#*/}
    key=${arch^^}

    # A tiny layer that differs per arch, so the two images are distinct and
    # a test can tell which platform it got.
    adir="${work}/arch-${arch}"
    mkdir -p "${adir}/etc"
    printf 'linux/%s\n' "${platform}" >"${adir}/etc/ko-testbed-arch"
    chmod 0644 "${adir}/etc/ko-testbed-arch"
    chmod 0755 "${adir}/etc"
    chown -R 0:0 "${adir}"
    tar -C "${adir}" "${tar_opts[@]}" -cf "${work}/arch-${arch}.tar" etc
    arch_diff="sha256:$(sha256_hex "${work}/arch-${arch}.tar")"
    gzip -n -c "${work}/arch-${arch}.tar" >"${work}/arch-${arch}.tar.gz"
    read -r arch_digest arch_size < <(add_blob "${out}" "${work}/arch-${arch}.tar.gz")

    # The same config bytes serve both media-type families, as with images
    # converted between them.
    read -r cfg_digest cfg_size < <(add_json_blob "${out}" \
      --arg arch "${arch}" --arg variant "${variant}" \
      --arg d0 "${base_diff}" --arg d1 "${arch_diff}" '
      {
        architecture: $arch,
        created: "1970-01-01T00:00:00Z",
        os: "linux"
      }
      + (if $variant == "" then {} else {variant: $variant} end)
      + {
        config: {
          User: "65532:65532",
          Env: [
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"
          ],
          WorkingDir: "/"
        },
        rootfs: {type: "layers", diff_ids: [$d0, $d1]},
        history: [
          {created: "1970-01-01T00:00:00Z",
           created_by: "ko-testbed: base rootfs (passwd, group, ca-certificates, tzdata)"},
          {created: "1970-01-01T00:00:00Z",
           created_by: "ko-testbed: /etc/ko-testbed-arch"}
        ]
      }')

    read -r oci_digest oci_size < <(add_json_blob "${out}" \
      --arg mt "${MT_OCI_MANIFEST}" --arg cmt "${MT_OCI_CONFIG}" --arg lmt "${MT_OCI_LAYER}" \
      --arg cd "${cfg_digest}" --argjson cs "${cfg_size}" \
      --arg l0 "${base_digest}" --argjson s0 "${base_size}" \
      --arg l1 "${arch_digest}" --argjson s1 "${arch_size}" '
      {
        schemaVersion: 2,
        mediaType: $mt,
        config: {mediaType: $cmt, digest: $cd, size: $cs},
        layers: [
          {mediaType: $lmt, digest: $l0, size: $s0},
          {mediaType: $lmt, digest: $l1, size: $s1}
        ]
      }')

    read -r dkr_digest dkr_size < <(add_json_blob "${out}" \
      --arg mt "${MT_DOCKER_MANIFEST}" --arg cmt "${MT_DOCKER_CONFIG}" --arg lmt "${MT_DOCKER_LAYER}" \
      --arg cd "${cfg_digest}" --argjson cs "${cfg_size}" \
      --arg l0 "${base_digest}" --argjson s0 "${base_size}" \
      --arg l1 "${arch_digest}" --argjson s1 "${arch_size}" '
      {
        schemaVersion: 2,
        mediaType: $mt,
        config: {mediaType: $cmt, digest: $cd, size: $cs},
        layers: [
          {mediaType: $lmt, digest: $l0, size: $s0},
          {mediaType: $lmt, digest: $l1, size: $s1}
        ]
      }')

    oci_entries=$(jq -cn --argjson e "${oci_entries}" --arg mt "${MT_OCI_MANIFEST}" \
      --arg d "${oci_digest}" --argjson s "${oci_size}" --arg arch "${arch}" --arg v "${variant}" '
      $e + [{mediaType: $mt, digest: $d, size: $s,
             platform: ({architecture: $arch, os: "linux"}
                        + (if $v == "" then {} else {variant: $v} end))}]')
    dkr_entries=$(jq -cn --argjson e "${dkr_entries}" --arg mt "${MT_DOCKER_MANIFEST}" \
      --arg d "${dkr_digest}" --argjson s "${dkr_size}" --arg arch "${arch}" --arg v "${variant}" '
      $e + [{mediaType: $mt, digest: $d, size: $s,
             platform: ({architecture: $arch, os: "linux"}
                        + (if $v == "" then {} else {variant: $v} end))}]')

    {
      printf '%s_ARCH_LAYER_DIGEST=%s\n' "${key}" "${arch_digest}"
      printf '%s_CONFIG_DIGEST=%s\n' "${key}" "${cfg_digest}"
      printf '%s_OCI_DIGEST=%s\n' "${key}" "${oci_digest}"
      printf '%s_DOCKER_DIGEST=%s\n' "${key}" "${dkr_digest}"
    } >>"${out}/meta"
  done

  # --- a mixed index: linux/amd64, windows/amd64 with an os.version, and an
  # unknown/unknown attestation-style entry (ko must never build that one). The
  # windows image only carries metadata: nothing runs it, tests read its layers.
  local win_cfg_digest win_cfg_size win_digest win_size mixed_digest _size
  read -r win_cfg_digest win_cfg_size < <(add_json_blob "${out}" --arg d0 "${base_diff}" '
    {
      architecture: "amd64",
      created: "1970-01-01T00:00:00Z",
      os: "windows",
      config: {User: "ContainerUser", Env: ["PATH=C:\\Windows\\system32;C:\\Windows"]},
      rootfs: {type: "layers", diff_ids: [$d0]},
      history: [{created: "1970-01-01T00:00:00Z", created_by: "ko-testbed: stand-in windows base"}],
      "os.version": "10.0.20348.2700"
    }')
  read -r win_digest win_size < <(add_json_blob "${out}" \
    --arg mt "${MT_OCI_MANIFEST}" --arg cmt "${MT_OCI_CONFIG}" --arg lmt "${MT_OCI_LAYER}" \
    --arg cd "${win_cfg_digest}" --argjson cs "${win_cfg_size}" \
    --arg l0 "${base_digest}" --argjson s0 "${base_size}" '
    {
      schemaVersion: 2,
      mediaType: $mt,
      config: {mediaType: $cmt, digest: $cd, size: $cs},
      layers: [{mediaType: $lmt, digest: $l0, size: $s0}]
    }')
  read -r mixed_digest _size < <(add_json_blob "${out}" \
    --arg mt "${MT_OCI_INDEX}" --argjson linux "$(jq -c '.[0]' <<<"${oci_entries}")" \
    --arg wmt "${MT_OCI_MANIFEST}" --arg wd "${win_digest}" --argjson ws "${win_size}" '
    {
      schemaVersion: 2,
      mediaType: $mt,
      manifests: [
        $linux,
        {mediaType: $wmt, digest: $wd, size: $ws,
         platform: {architecture: "amd64", os: "windows", "os.version": "10.0.20348.2700"}},
        ($linux + {platform: {architecture: "unknown", os: "unknown"},
                   annotations: {"vnd.docker.reference.type": "attestation-manifest"}})
      ]
    }')
  {
    printf 'WINDOWS_CONFIG_DIGEST=%s\n' "${win_cfg_digest}"
    printf 'WINDOWS_OCI_DIGEST=%s\n' "${win_digest}"
    printf 'MIXED_INDEX_DIGEST=%s\n' "${mixed_digest}"
  } >>"${out}/meta"

  local index_digest list_digest
  read -r index_digest _size < <(add_json_blob "${out}" \
    --arg mt "${MT_OCI_INDEX}" --argjson m "${oci_entries}" \
    '{schemaVersion: 2, mediaType: $mt, manifests: $m}')
  read -r list_digest _size < <(add_json_blob "${out}" \
    --arg mt "${MT_DOCKER_LIST}" --argjson m "${dkr_entries}" \
    '{schemaVersion: 2, mediaType: $mt, manifests: $m}')
  {
    printf 'OCI_INDEX_DIGEST=%s\n' "${index_digest}"
    printf 'DOCKER_LIST_DIGEST=%s\n' "${list_digest}"
  } >>"${out}/meta"
  rm -rf "${work}"
}

# Returns the directory of the built base images, building it once per set of
# inputs: this script, the two .debs, the host CA bundle and the tar/gzip
# versions (their output bytes are what makes the digests).
base_images() {
  local cache debdir ca_deb tz_deb host_ca=/etc/ssl/certs/ca-certificates.crt key dir tmp
  cache=$(cache_root)
  debdir="${cache}/debs"
  mkdir -p "${debdir}"
  [[ -f ${host_ca} ]] || die "${host_ca} missing (install ca-certificates)"
  ca_deb=$(deb_path ca-certificates "${debdir}")
  tz_deb=$(deb_path tzdata "${debdir}")
  key=$(
    {
      sha256sum "${SCRIPT_PATH}" "${ca_deb}" "${tz_deb}" "${host_ca}" | cut -d' ' -f1
      tar --version | head -n 1
      gzip --version | head -n 1
    } | sha256sum | cut -c1-16
  )
  dir="${cache}/base/${key}"
  if [[ ! -f ${dir}/meta ]]; then
    log "building base images ($(basename "${ca_deb}"), $(basename "${tz_deb}"))"
    mkdir -p "${cache}/base"
    tmp=$(mktemp -d "${cache}/base/.build.XXXXXX")
    # base_images runs in a command substitution, so this trap only covers
    # the build: a failed build leaves no half-made directory in the cache.
    trap 'rm -rf "${tmp}"' EXIT
    build_base "${tmp}" "${ca_deb}" "${tz_deb}" "${host_ca}"
    # Atomic publish: a concurrent start that won the race keeps its copy.
    if ! mv -T "${tmp}" "${dir}" 2>/dev/null; then
      rm -rf "${tmp}"
    fi
    trap - EXIT
  fi
  # Each edit of this script makes a new key: mark this build as used and
  # drop builds nobody used for a day.
  touch "${dir}"
  find "${cache}/base" -mindepth 1 -maxdepth 1 -mmin +1440 ! -name "${key}" \
    -exec rm -rf {} + 2>/dev/null || true
  printf '%s\n' "${dir}"
}

# ------------------------------------------------------------ base image push

# The status code of a curl -D dump. No pipeline: under pipefail, head closing
# early can kill printf with SIGPIPE and, through set -e, the whole script.
status_of() {
  local first=${1%%$'\n'*}
  read -r _ first _ <<<"${first}"
  printf '%s\n' "${first}"
}

header_value() {
  # $1: header name (lower case); stdin: a curl -D dump.
  tr -d '\r' | awk -v h="$1" 'tolower($0) ~ "^" h ":" { sub(/^[^:]*:[ \t]*/, ""); v = $0 } END { print v }'
}

# push_blob REPO FILE DIGEST [FROM_REPO]: skip if present, try a cross-repo
# mount from FROM_REPO, else a POST + single PUT upload.
push_blob() {
  local repo=$1 file=$2 digest=$3 from=${4:-} code hdrs location sep
  code=$(reg_curl -o /dev/null -w '%{http_code}' -I "${REG_URL}/v2/${repo}/blobs/${digest}")
  [[ ${code} == 200 ]] && return 0
  local post="${REG_URL}/v2/${repo}/blobs/uploads/"
  [[ -n ${from} ]] && post+="?mount=${digest}&from=${from}"
  hdrs=$(reg_curl -o /dev/null -D - -X POST -H 'Content-Length: 0' "${post}")
  code=$(status_of "${hdrs}")
  [[ ${code} == 201 ]] && return 0
  [[ ${code} == 202 ]] || die "POST ${post} -> ${code}"
  location=$(printf '%s\n' "${hdrs}" | header_value location)
  [[ -n ${location} ]] || die "no Location for upload to ${repo}"
  # distribution answers with an absolute URL; accept a relative one too.
  [[ ${location} == http* ]] || location="${REG_URL}${location}"
  sep='?'
  [[ ${location} == *\?* ]] && sep='&'
  code=$(reg_curl -o /dev/null -w '%{http_code}' -X PUT \
    -H 'Content-Type: application/octet-stream' --data-binary "@${file}" \
    "${location}${sep}digest=${digest}")
  [[ ${code} == 201 ]] || die "PUT blob ${digest} to ${repo} -> ${code}"
}

# push_manifest REPO REF FILE MEDIATYPE DIGEST: PUT with the manifest's own
# media type and check the registry computed the same digest.
push_manifest() {
  local repo=$1 ref=$2 file=$3 mt=$4 digest=$5 hdrs code got
  hdrs=$(reg_curl -o /dev/null -D - -X PUT -H "Content-Type: ${mt}" \
    --data-binary "@${file}" "${REG_URL}/v2/${repo}/manifests/${ref}")
  code=$(status_of "${hdrs}")
  [[ ${code} == 201 ]] || die "PUT manifest ${repo}:${ref} -> ${code}"
  got=$(printf '%s\n' "${hdrs}" | header_value docker-content-digest)
  [[ ${got} == "${digest}" ]] || die "registry says ${got} for ${repo}:${ref}, expected ${digest}"
}

# Path of a built blob by digest, in the base image directory SEED_DIR.
SEED_DIR=""
b() { printf '%s/blobs/%s\n' "${SEED_DIR}" "${1#sha256:}"; }

# Pushes everything build_base made. Also leaves the meta variables (the
# digests) set for the env file.
seed_base() {
  SEED_DIR=$1
  # shellcheck disable=SC1091 # meta is our own KEY=value output
  source "${SEED_DIR}/meta"
  local blobs=("${BASE_LAYER_DIGEST}" "${AMD64_ARCH_LAYER_DIGEST}" "${ARM64_ARCH_LAYER_DIGEST}"
    "${AMD64_CONFIG_DIGEST}" "${ARM64_CONFIG_DIGEST}") d
  for d in "${blobs[@]}"; do
    push_blob "${BASE_REPO}" "$(b "${d}")" "${d}"
  done
  # Children before the index that lists them.
  push_manifest "${BASE_REPO}" "${AMD64_OCI_DIGEST}" "$(b "${AMD64_OCI_DIGEST}")" "${MT_OCI_MANIFEST}" "${AMD64_OCI_DIGEST}"
  push_manifest "${BASE_REPO}" "${ARM64_OCI_DIGEST}" "$(b "${ARM64_OCI_DIGEST}")" "${MT_OCI_MANIFEST}" "${ARM64_OCI_DIGEST}"
  push_manifest "${BASE_REPO}" "${BASE_TAG}" "$(b "${OCI_INDEX_DIGEST}")" "${MT_OCI_INDEX}" "${OCI_INDEX_DIGEST}"
  push_manifest "${BASE_REPO}" "${BASE_SINGLE_TAG}" "$(b "${AMD64_OCI_DIGEST}")" "${MT_OCI_MANIFEST}" "${AMD64_OCI_DIGEST}"
  push_blob "${BASE_REPO}" "$(b "${WINDOWS_CONFIG_DIGEST}")" "${WINDOWS_CONFIG_DIGEST}"
  push_manifest "${BASE_REPO}" "${WINDOWS_OCI_DIGEST}" "$(b "${WINDOWS_OCI_DIGEST}")" "${MT_OCI_MANIFEST}" "${WINDOWS_OCI_DIGEST}"
  push_manifest "${BASE_REPO}" "${MIXED_TAG}" "$(b "${MIXED_INDEX_DIGEST}")" "${MT_OCI_INDEX}" "${MIXED_INDEX_DIGEST}"

  # The Docker copy shares the bytes; mounting avoids a second upload.
  for d in "${blobs[@]}"; do
    push_blob "${DOCKER_REPO}" "$(b "${d}")" "${d}" "${BASE_REPO}"
  done
  push_manifest "${DOCKER_REPO}" "${AMD64_DOCKER_DIGEST}" "$(b "${AMD64_DOCKER_DIGEST}")" "${MT_DOCKER_MANIFEST}" "${AMD64_DOCKER_DIGEST}"
  push_manifest "${DOCKER_REPO}" "${ARM64_DOCKER_DIGEST}" "$(b "${ARM64_DOCKER_DIGEST}")" "${MT_DOCKER_MANIFEST}" "${ARM64_DOCKER_DIGEST}"
  push_manifest "${DOCKER_REPO}" "${BASE_TAG}" "$(b "${DOCKER_LIST_DIGEST}")" "${MT_DOCKER_LIST}" "${DOCKER_LIST_DIGEST}"
}

# ----------------------------------------------------------------- runimg ---

# Builds runimg into the cache when missing or older than its sources.
# Prints its path.
build_runimg() {
  local dir bin src tmp rebuild=0
  dir="$(cache_root)/runimg"
  bin="${dir}/runimg"
  mkdir -p "${dir}"
  [[ -x ${bin} ]] || rebuild=1
  for src in "${RUNIMG_SRC_DIR}/runimg.go" "${RUNIMG_SRC_DIR}/go.mod"; do
    if [[ ${src} -nt ${bin} ]]; then
      rebuild=1
    fi
  done
  if ((rebuild)); then
    log "building runimg"
    tmp=$(mktemp "${dir}/.runimg.XXXXXX")
    # Host platform, whatever GOOS/GOARCH the caller has set for its tests;
    # no module proxy exists here and none is needed (standard library only).
    (
      cd "${RUNIMG_SRC_DIR}"
      if [[ -z ${HOME:-} && -z ${GOCACHE:-} ]]; then
        GOCACHE="$(cache_root)/gocache"
        export GOCACHE
      fi
      CGO_ENABLED=0 GOOS=linux GOARCH="$(go env GOHOSTARCH)" GOPROXY=off GOFLAGS='' \
        go build -trimpath -o "${tmp}" .
    ) >&2 || {
      rm -f "${tmp}"
      die "building runimg failed"
    }
    mv -f "${tmp}" "${bin}"
  fi
  printf '%s\n' "${bin}"
}

# Asks the token server for one token that may push both seeded repositories
# (and mount between them) and makes every later reg_curl send it.
use_seeding_token() {
  local user=$1 pass=$2 scopes reply token
  scopes="scope=repository:${BASE_REPO}:pull,push&scope=repository:${DOCKER_REPO}:pull,push"
  reply=$(curl -sS --max-time 30 -u "${user}:${pass}" \
    "${TOKEN_REALM}?service=${TOKEN_SERVICE}&${scopes}") || die "token server ${TOKEN_REALM} did not answer"
  token=$(jq -r '.token // .access_token // empty' <<<"${reply}")
  [[ -n ${token} ]] || die "token server ${TOKEN_REALM} gave no token for ${user}"
  CURL_AUTH=("${CURL_TLS[@]}" -H "Authorization: Bearer ${token}")
}

cmd_start() {
  local dir="" tls=0 auth=0 creds="" user="" pass="" token_spec="" token_creds=""
  while (($# > 0)); do
    case $1 in
      --tls) tls=1 ;;
      --token)
        (($# >= 2)) || usage
        token_spec=$2
        shift
        ;;
      --token-user)
        (($# >= 2)) || usage
        token_creds=$2
        shift
        ;;
      --htpasswd)
        (($# >= 2)) || usage
        creds=$2
        shift
        ;;
      --htpasswd=*) creds=${1#--htpasswd=} ;;
      -*) usage ;;
      *)
        [[ -z ${dir} ]] || usage
        dir=$1
        ;;
    esac
    shift
  done
  [[ -n ${dir} ]] || usage
  if [[ -n ${token_spec} ]]; then
    [[ -z ${creds} ]] || die "--token and --htpasswd cannot be combined"
    IFS=, read -r TOKEN_REALM TOKEN_SERVICE TOKEN_ISSUER TOKEN_CERT <<<"${token_spec}"
    [[ -n ${TOKEN_REALM} && -n ${TOKEN_SERVICE} && -n ${TOKEN_ISSUER} && -n ${TOKEN_CERT} ]] ||
      die "--token wants REALM_URL,SERVICE,ISSUER,CERT"
    [[ -f ${TOKEN_CERT} ]] || die "--token: certificate ${TOKEN_CERT} not found"
    [[ ${token_creds} == *:* && -n ${token_creds%%:*} ]] || die "--token needs --token-user USER:PASS"
    user=${token_creds%%:*}
    pass=${token_creds#*:}
  elif [[ -n ${token_creds} ]]; then
    die "--token-user needs --token"
  fi
  if [[ -n ${creds} ]]; then
    [[ ${creds} == *:* && -n ${creds%%:*} ]] || die "--htpasswd wants USER:PASS"
    user=${creds%%:*}
    pass=${creds#*:}
    auth=1
  fi
  require_tools

  mkdir -p "${dir}"
  dir=$(cd "${dir}" && pwd)
  if [[ -f ${dir}/registry.pid ]] && alive "$(cat "${dir}/registry.pid")"; then
    die "a registry is already running for ${dir} (pid $(cat "${dir}/registry.pid")); stop it first"
  fi
  mkdir -p "${dir}/storage"

  local scheme=http
  CURL_TLS=()
  if [[ ${tls} == 1 ]]; then
    scheme=https
    make_certs "${dir}"
    CURL_TLS=(--cacert "${dir}/ca.pem")
  fi
  CURL_AUTH=("${CURL_TLS[@]}")
  if [[ ${auth} == 1 ]]; then
    htpasswd -Bbn "${user}" "${pass}" >"${dir}/htpasswd"
    CURL_AUTH+=(-u "${user}:${pass}")
  fi

  # Build the (cached) inputs before starting, so a failure leaves nothing
  # running.
  local base runimg
  base=$(base_images)
  runimg=$(build_runimg)

  start_registry "${dir}" "${scheme}" "${tls}" "${auth}"
  # From here on a failure (die exits, set -e exits) must not leave an
  # orphan registry behind.
  STARTED_DIR=${dir}
  trap 'stop_pid "${STARTED_DIR}"' EXIT
  if [[ -n ${TOKEN_REALM} ]]; then
    use_seeding_token "${user}" "${pass}"
  fi
  log "seeding base images"
  seed_base "${base}"
  trap - EXIT

  local host="127.0.0.1:${REG_PORT}"
  {
    printf 'TESTBED_DIR=%s\n' "${dir}"
    printf 'TESTBED_REGISTRY=%s\n' "${host}"
    printf 'TESTBED_SCHEME=%s\n' "${scheme}"
    printf 'TESTBED_PORT=%s\n' "${REG_PORT}"
    printf 'TESTBED_PID=%s\n' "$(cat "${dir}/registry.pid")"
    printf 'TESTBED_LOG=%s\n' "${dir}/registry.log"
    printf 'TESTBED_BASE=%s/%s:%s\n' "${host}" "${BASE_REPO}" "${BASE_TAG}"
    printf 'TESTBED_BASE_INDEX_DIGEST=%s\n' "${OCI_INDEX_DIGEST}"
    printf 'TESTBED_BASE_AMD64_DIGEST=%s\n' "${AMD64_OCI_DIGEST}"
    printf 'TESTBED_BASE_ARM64_DIGEST=%s\n' "${ARM64_OCI_DIGEST}"
    printf 'TESTBED_BASE_AMD64_CONFIG_DIGEST=%s\n' "${AMD64_CONFIG_DIGEST}"
    printf 'TESTBED_BASE_ARM64_CONFIG_DIGEST=%s\n' "${ARM64_CONFIG_DIGEST}"
    printf 'TESTBED_BASE_LAYER_DIGEST=%s\n' "${BASE_LAYER_DIGEST}"
    printf 'TESTBED_BASE_LAYER_DIFFID=%s\n' "${BASE_LAYER_DIFFID}"
    printf 'TESTBED_BASE_SINGLE=%s/%s:%s\n' "${host}" "${BASE_REPO}" "${BASE_SINGLE_TAG}"
    printf 'TESTBED_BASE_DOCKER=%s/%s:%s\n' "${host}" "${DOCKER_REPO}" "${BASE_TAG}"
    printf 'TESTBED_BASE_DOCKER_DIGEST=%s\n' "${DOCKER_LIST_DIGEST}"
    printf 'TESTBED_BASE_DOCKER_AMD64_DIGEST=%s\n' "${AMD64_DOCKER_DIGEST}"
    printf 'TESTBED_BASE_DOCKER_ARM64_DIGEST=%s\n' "${ARM64_DOCKER_DIGEST}"
    printf 'TESTBED_BASE_MIXED=%s/%s:%s\n' "${host}" "${BASE_REPO}" "${MIXED_TAG}"
    printf 'TESTBED_BASE_MIXED_DIGEST=%s\n' "${MIXED_INDEX_DIGEST}"
    printf 'TESTBED_BASE_WINDOWS_DIGEST=%s\n' "${WINDOWS_OCI_DIGEST}"
    if [[ ${tls} == 1 ]]; then
      printf 'TESTBED_CA=%s\n' "${dir}/ca.pem"
      printf 'TESTBED_CERT_DIR=%s\n' "${dir}/certs"
    fi
    if [[ -n ${TOKEN_REALM} ]]; then
      printf 'TESTBED_TOKEN_REALM=%s\n' "${TOKEN_REALM}"
      printf 'TESTBED_TOKEN_SERVICE=%s\n' "${TOKEN_SERVICE}"
    fi
    if [[ ${auth} == 1 || -n ${TOKEN_REALM} ]]; then
      printf 'TESTBED_USER=%s\n' "${user}"
      printf 'TESTBED_PASSWORD=%s\n' "${pass}"
    fi
    printf 'TESTBED_RUNIMG=%s\n' "${runimg}"
  } >"${dir}/env.tmp"
  mv -f "${dir}/env.tmp" "${dir}/env"
  log "ready: ${scheme}://${host}"
  printf '%s\n' "${dir}/env"
}

# ------------------------------------------------------------------- stop ---

# True while PID runs. A zombie counts as gone: the registry is reparented to
# whatever PID 1 is once start returns, and that may reap it only late.
alive() {
  local state
  state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
  [[ -n ${state} && ${state} != Z ]]
}

# Stops the registry whose PID is in DIR/registry.pid, if it is still ours.
stop_pid() {
  local dir=$1 pid i
  if [[ ! -f ${dir}/registry.pid ]]; then
    log "no registry.pid in ${dir}; nothing to stop"
    return 0
  fi
  pid=$(cat "${dir}/registry.pid")
  # Only signal the PID if it still is a docker-registry: after a reboot or a
  # long time the number may belong to something else.
  if [[ ${pid} =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null | grep -q docker-registry; then
    kill -TERM "${pid}" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      alive "${pid}" || break
      sleep 0.05
    done
    if alive "${pid}"; then
      warn "registry ${pid} ignored SIGTERM; killing"
      kill -KILL "${pid}" 2>/dev/null || true
      for ((i = 0; i < 40; i++)); do
        alive "${pid}" || break
        sleep 0.05
      done
    fi
    log "stopped registry pid ${pid}"
  else
    log "registry pid ${pid} already gone"
  fi
  rm -f "${dir}/registry.pid"
}

cmd_stop() {
  [[ $# -eq 1 ]] || usage
  # Tolerant: cleanup code calls this after failed starts too.
  stop_pid "$1"
}

main() {
  (($# > 0)) || usage
  local cmd=$1
  shift
  case ${cmd} in
    install) cmd_install "$@" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    runimg)
      [[ $# -eq 0 ]] || usage
      build_runimg
      ;;
    -h | --help | help) usage ;;
    *) usage ;;
  esac
}

main "$@"
