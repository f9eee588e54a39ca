#!/usr/bin/env bash
# Installs what is missing, builds everything, and runs every test: unit,
# component (embedded Kafka + BigQuery emulator) and fault tests, then the
# unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}

scripts/deps.sh

echo "== build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$JOBS"

echo "== tests"
(cd build && ctest --output-on-failure -j "$JOBS" --timeout 900)

echo "== unit tests under ASan + UBSan"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFERRY_SANITIZE=ON \
  -DFERRY_BUILD_DEV_KAFKA=OFF -DFERRY_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan --target unit_tests -j "$JOBS"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$JOBS" -L unit --timeout 900)
