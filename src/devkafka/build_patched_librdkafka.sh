#!/usr/bin/env bash
# Builds a static librdkafka from Debian's own source package with ferry's
# mock-partition-limits patch applied. Called by src/devkafka/CMakeLists.txt,
# one step per invocation so that CMake can rebuild only what changed:
#
#   build_patched_librdkafka.sh download  WORKDIR DEB_VERSION [LOCAL_SOURCE_DIR]
#   build_patched_librdkafka.sh unpack    WORKDIR DEB_VERSION PATCH_FILE
#   build_patched_librdkafka.sh configure WORKDIR
#   build_patched_librdkafka.sh build     WORKDIR JOBS
#
# Layout under WORKDIR: download/ (the .dsc and its tarballs), source/ (the
# unpacked, patched tree), and the stamp files CMake tracks.
set -euo pipefail

step=$1
work=$2
mkdir -p "$work"

die() {
  echo "ferry-dev-kafka: $*" >&2
  exit 1
}

# Debian file names drop the epoch ("1:2.0.2-1" -> "librdkafka_2.0.2-1.dsc").
dsc_name() { echo "librdkafka_${1#*:}.dsc"; }

case "$step" in
  download)
    version=$3
    local_dir=${4:-}
    dsc=$(dsc_name "$version")
    rm -rf "$work/download.tmp"
    mkdir -p "$work/download.tmp"
    if [[ -n "$local_dir" ]]; then
      # An already downloaded source package (offline builds).
      [[ -f "$local_dir/$dsc" ]] || die "FERRY_LIBRDKAFKA_SOURCE_DIR=$local_dir has no $dsc"
      cp "$local_dir"/librdkafka_* "$work/download.tmp/"
    else
      command -v apt-get >/dev/null || die "apt-get not found: the embedded Kafka is built from \
Debian's librdkafka source package; build with -DFERRY_BUILD_DEV_KAFKA=OFF on other systems"
      if ! (cd "$work/download.tmp" && apt-get source --download-only "librdkafka=$version"); then
        die "could not download Debian's source package librdkafka=$version (the version of the \
installed librdkafka-dev). It needs a deb-src entry for the Debian mirror and a fresh package \
index: run scripts/deps.sh (adds the entry) and 'apt-get update'. Offline, point \
-DFERRY_LIBRDKAFKA_SOURCE_DIR at a directory holding $dsc and its tarballs, or configure \
with -DFERRY_BUILD_DEV_KAFKA=OFF."
      fi
      [[ -f "$work/download.tmp/$dsc" ]] || die "apt-get source did not produce $dsc"
    fi
    rm -rf "$work/download"
    mv "$work/download.tmp" "$work/download"
    ;;

  unpack)
    version=$3
    patch_file=$4
    dsc=$(dsc_name "$version")
    rm -rf "$work/source"
    # dpkg-source verifies the checksums and applies Debian's own patches.
    dpkg-source -x "$work/download/$dsc" "$work/source" >/dev/null ||
      die "dpkg-source -x $dsc failed"
    patch -d "$work/source" -p1 --forward --batch <"$patch_file" ||
      die "ferry's patch $patch_file does not apply to librdkafka $version"
    touch "$work/unpacked.stamp"
    ;;

  configure)
    cd "$work/source"
    # Only what a plaintext broker needs. The mock stores record batches
    # without decompressing them, so clients may use any codec (zstd
    # included, see devkafka_roundtrip_test); zlib and the builtin
    # snappy/lz4 are kept anyway as they cost nothing.
    ./configure --no-download --disable-ssl --disable-gssapi --disable-zstd \
      --disable-curl --disable-lz4-ext --disable-syslog --enable-zlib \
      >"$work/configure.log" 2>&1 ||
      die "configuring librdkafka failed, see $work/configure.log"
    touch "$work/configured.stamp"
    ;;

  build)
    jobs=${3:-2}
    make -C "$work/source/src" -j"$jobs" librdkafka.a >"$work/build.log" 2>&1 ||
      die "building librdkafka.a failed, see $work/build.log"
    cp "$work/source/src/librdkafka.a" "$work/librdkafka-ferry.a"
    ;;

  *)
    die "unknown step $step"
    ;;
esac
