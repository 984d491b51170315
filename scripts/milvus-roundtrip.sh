#!/usr/bin/env bash
# Round trip through Milvus: export a trained run into a Milvus collection, serve from it, and
# measure recall@K of Milvus's answers against esans's exact search.
#
#   scripts/milvus-roundtrip.sh [--skip-unavailable] [--tests]
#
# 1. Installs milvus-lite and pymilvus from PyPI into a venv under $MILVUS_HOME (milvus-lite is
#    a Python gRPC server of Milvus's MilvusService, backed by faiss) and starts it on
#    127.0.0.1:$MILVUS_PORT with its data in a fresh directory.
# 2. Trains a small run unless RUN names one, with semantic IDs for the partition key (as
#    scripts/vectordb-roundtrip.sh does: scripts/lib/vectordb.sh).
# 3. For each of flat, hnsw, ivf-flat: `esans export --to milvus --index KIND` behind its own
#    alias, `esans serve --backend milvus` on a free loopback port, and for every user (at most
#    $USERS) asks POST /v1/retrieve with k $K twice, "index": "vectordb" and "exact", seen items
#    excluded; recall@K is the mean overlap of the two answers.
# 4. Prints one line per index and exits 1 when flat's recall is under $MIN_RECALL (0.99).
#
# With --skip-unavailable, a failed pip install (no registry) or a missing gRPC C library
# prints SKIP and exits 0.
# With --tests, steps 2-4 are replaced by the Swift tests that need a server
# (`swift test --skip-build --filter 'MilvusServerTests|MilvusCLITests'` with
# ESANS_TEST_MILVUS_ADDRESS set; .ci/run runs this after the suite has been built).
# Environment: ESANS_BIN (default: `swift build` then .build/debug/esans), RUN, MSAC_DIR, ML100K,
# EPOCHS (2), K (100), USERS (943), MIN_RECALL (0.99) as in vectordb-roundtrip.sh;
# MILVUS_HOME (/tmp/esans-milvus), MILVUS_PORT (19539), SERVE_FLAGS (more `esans serve` options,
# e.g. "--ef-search 200 --probes 16"), ESANS_LIBGRPC (libgrpc to load; default the system's
# libgrpc.so.29, Debian libgrpc29). The server is stopped on exit.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$HERE/lib/vectordb.sh"
MILVUS_HOME=${MILVUS_HOME:-/tmp/esans-milvus}
MILVUS_PORT=${MILVUS_PORT:-19539}
roundtrip_setup milvus-roundtrip.sh "$MILVUS_HOME" "$@"

# --- the gRPC C library esans loads at run time (and its headers, which the build compiled
# the CGRPC shim against: without them esans has a stub that reports gRPC as unavailable)
if [ -z "${ESANS_LIBGRPC:-}" ] && ! ldconfig -p 2>/dev/null | grep -q 'libgrpc.so.29 '; then
  skip_or_fail "the gRPC C library libgrpc.so.29 is not installed (Debian: apt-get install libgrpc-dev, then rebuild)"
fi
if [ $TESTS = 1 ] && [ ! -f /usr/include/grpc/grpc.h ]; then
  skip_or_fail "the gRPC headers are not installed, so the build has no Milvus client (apt-get install libgrpc-dev, then rebuild)"
fi

# --- milvus-lite from PyPI
VENV="$MILVUS_HOME/venv"
if ! "$VENV/bin/python" -c 'import milvus_lite, pymilvus' >/dev/null 2>&1; then
  echo "installing milvus-lite and pymilvus into $VENV"
  { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q milvus-lite pymilvus; } \
    || skip_or_fail "could not install milvus-lite from PyPI"
fi
DATA="$MILVUS_HOME/data"
rm -rf "$DATA"
MILVUS_PID=""
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null || true
  [ -n "$MILVUS_PID" ] && { kill -TERM "$MILVUS_PID" 2>/dev/null; wait "$MILVUS_PID" 2>/dev/null; } || true
}
trap cleanup EXIT
"$VENV/bin/python" -m milvus_lite server --data-dir "$DATA" --host 127.0.0.1 --port "$MILVUS_PORT" \
  >"$MILVUS_HOME/server.log" 2>&1 &
MILVUS_PID=$!
for _ in $(seq 1 300); do
  grep -q "listening on" "$MILVUS_HOME/server.log" 2>/dev/null && break
  kill -0 "$MILVUS_PID" 2>/dev/null || { echo "milvus-lite exited:"; cat "$MILVUS_HOME/server.log"; exit 1; }
  sleep 0.2
done
ADDRESS="127.0.0.1:$MILVUS_PORT"
echo "milvus-lite $("$VENV/bin/pip" show milvus-lite 2>/dev/null | sed -n 's/^Version: //p') on $ADDRESS"

if [ $TESTS = 1 ]; then
  (cd "$ROOT" && ESANS_TEST_MILVUS_ADDRESS="$ADDRESS" swift test --skip-build ${SWIFT_TEST_FLAGS:-} --filter 'MilvusServerTests|MilvusCLITests')
  exit $?
fi

# --- a small trained run, and semantic IDs for the export (the partition key)
prepare_run

# --- export, serve, compare
FAIL=0
for KIND in flat hnsw ivf-flat; do
  NAME="esans_roundtrip_${KIND//-/_}"
  /usr/bin/time -f "  (export: %e s wall, peak RSS %M kB)" "$ESANS_BIN" export --run "$RUN" "${MSAC[@]}" --to milvus \
    --address "$ADDRESS" --collection "$NAME" --index "$KIND"
  serve_and_measure "$WORK/serve-$KIND.log" --run "$RUN" --backend milvus --address "$ADDRESS" --collection "$NAME" \
    ${SERVE_FLAGS:-}
  read -r R N MS_DB MS_EXACT SUMMARY <<<"$RECALL"
  echo "recall@$K $KIND: $R over $N users (vectordb $MS_DB ms, exact $MS_EXACT ms per request) - $SUMMARY"
  if [ "$KIND" = flat ] && ! recall_at_least "$R" "$MIN_RECALL"; then
    echo "FAIL: flat recall@$K $R is under $MIN_RECALL"; FAIL=1
  fi
done
exit $FAIL
