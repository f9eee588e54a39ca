#!/usr/bin/env bash
# Installs every build and test dependency ferry needs from Debian's packages.
# Safe to run repeatedly: does nothing when everything is present.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  librdkafka-dev libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libsimdjson-dev libcurl4-openssl-dev libsqlite3-dev libssl-dev
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libavro-dev python3-avro python3-kafka
  libprotoc-dev python3-jsonschema
  dpkg-dev xz-utils zlib1g-dev
)

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# npm fetches the official BigQuery protos and the conformance test's clients;
# node runs that test. The image's Node.js may already bring both.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

# Google's Node.js clients for the emulator conformance test, exactly as pinned by
# tests/conformance/package-lock.json; tarballs are cached under ~/.cache/ferry/npm.
# Reinstalled only when the lock file changed since the last install.
install_conformance_clients() {
  local dir lock stamp want
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/conformance"
  lock="$dir/package-lock.json"
  stamp="$dir/node_modules/.ferry-lock-sha256"
  want=$(sha256sum "$lock" | awk '{print $1}')
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "deps: conformance clients present"
    return
  fi
  echo "deps: npm ci in tests/conformance"
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund \
    --cache "${HOME:-/root}/.cache/ferry/npm" --prefer-offline)
  echo "$want" >"$stamp"
}

# The embedded Kafka is built from Debian's own librdkafka source package, which
# needs a deb-src entry for the mirror the binary packages come from.
SRC_LIST=/etc/apt/sources.list.d/ferry-deb-src.sources
need_src=0
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
  need_src=1
fi

# A deb-src entry whose index was never downloaded cannot serve the source.
need_update=0
if [[ $need_src -eq 0 ]] && ! apt-cache showsrc librdkafka 2>/dev/null | grep -q '^Package:'; then
  need_update=1
fi

if [[ ${#missing[@]} -eq 0 && $need_src -eq 0 && $need_update -eq 0 ]]; then
  echo "deps: all ${#PACKAGES[@]} packages present"
  install_conformance_clients
  exit 0
fi

if [[ $need_src -eq 1 ]]; then
  uri=$(grep -h '^URIs:' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1 | awk '{print $2}')
  uri=${uri:-http://deb.debian.org/debian}
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  $SUDO tee "$SRC_LIST" >/dev/null <<SRC
Types: deb-src
URIs: $uri
Suites: $codename
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

echo "deps: installing ${missing[*]:-(source index only)}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
if [[ ${#missing[@]} -gt 0 ]]; then
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
install_conformance_clients
