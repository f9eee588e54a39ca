#!/usr/bin/env bash
# Installs what is missing, builds ferry, and runs the serverlog pipeline end
# to end on the embedded Kafka and the BigQuery emulator:
#   100,000 member CloudEvents -> serverlog.member (6 partitions, 3 brokers)
#   -> ferry standalone (examples/serverlog/connector.properties)
#   -> serverlog.serverlog_kafka in the emulator
# then prints the parity table (per day x event type, Kafka vs BigQuery) and
# exits non-zero if any row differs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
EVENTS=${EVENTS:-100000}
BUILD=${BUILD:-$ROOT/build}

step() { printf '\n== %s\n' "$*"; }

step "Dependencies"
scripts/deps.sh

step "Build"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target ferry ferry-dev-kafka -j "$(nproc)"
FERRY=$BUILD/src/cli/ferry
DEV_KAFKA=$BUILD/src/devkafka/ferry-dev-kafka

WORK=$(mktemp -d /tmp/ferry-quickstart.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

wait_for_file() {  # path, seconds
  for _ in $(seq 1 $(($2 * 10))); do
    [[ -s $1 ]] && return 0
    sleep 0.1
  done
  echo "timed out waiting for $1" >&2
  return 1
}

step "Embedded Kafka: 3 brokers, topic serverlog.member with 6 partitions"
"$DEV_KAFKA" --brokers 3 --topic serverlog.member:6:3 --ready-file "$WORK/kafka.ready" \
  >"$WORK/kafka.log" 2>&1 &
PIDS+=($!)
wait_for_file "$WORK/kafka.ready" 30
BOOTSTRAP=$(sed -n 's/^bootstrap.servers=//p' "$WORK/kafka.ready")
echo "bootstrap.servers=$BOOTSTRAP"

step "BigQuery emulator on 127.0.0.1:9050 (REST) and 127.0.0.1:9060 (Storage Write API)"
"$FERRY" emulator --rest-port 9050 --grpc-port 9060 --db "$WORK/bigquery.sqlite" \
  --ready-file "$WORK/bigquery.ready" >"$WORK/emulator.log" 2>&1 &
PIDS+=($!)
wait_for_file "$WORK/bigquery.ready" 30
cat "$WORK/bigquery.ready"

step "Producing $EVENTS member CloudEvents (binary and structured mode, 7 event types, 3 days)"
"$FERRY" produce --bootstrap-servers "$BOOTSTRAP" --topic serverlog.member --count "$EVENTS"

step "ferry standalone with examples/serverlog/connector.properties, until the topic is drained"
sed "s|^bootstrap.servers=.*|bootstrap.servers=$BOOTSTRAP|" examples/serverlog/worker.properties \
  >"$WORK/worker.properties"
"$FERRY" standalone "$WORK/worker.properties" examples/serverlog/connector.properties \
  --until-drained 2>"$WORK/ferry.log" || { tail -50 "$WORK/ferry.log"; exit 1; }

step "Parity: per day x event type, Kafka vs serverlog.serverlog_kafka"
"$FERRY" parity --bootstrap-servers "$BOOTSTRAP" --topic serverlog.member \
  --rest-endpoint http://127.0.0.1:9050 --table ferry-local.serverlog.serverlog_kafka
echo
echo "Logs and the emulator's SQLite file are in $WORK"
