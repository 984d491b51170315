#!/usr/bin/env bash
# Soak test of `esans serve`: a long mixed load with reloads, one of them on a damaged run.
#
#   scripts/soak.sh RUNDIR INDEXDIR
#
# Copies RUNDIR and INDEXDIR into OUT (the server serves and reloads from the copies, which
# the soak damages and restores), starts the server on a free loopback port and runs
# scripts/soak.py for SOAK_SECONDS: CLIENTS threads send a mix of valid requests (retrieve by
# user, history and vector; similar items; healthz; metrics) and malformed ones (bad JSON,
# wrong types, unknown users and items, huge k, empty bodies, wrong content type, unknown
# routes, wrong methods, bad vectors, oversize bodies, garbage request lines), each checked
# against the status it must get. SIGHUP every 30 s; the reload half-way is made with a bit
# flipped in the model file the server reads (and, two and four reloads later, with the IVF
# index and then config.json truncated): each must be refused, with the old run still
# answering, and the reload after the files are restored must succeed. RSS and latencies are
# sampled every second and reported per minute. Then, if schemathesis (`st`) is installed, it
# runs against openapi.yaml on the same server. Finally SIGTERM, and the server must exit 0.
#
# Bars (exit status 1 if one fails): no 5xx (client side, and in the server's own counts
# after schemathesis); no crash; RSS growth under 5% from the end of the warm-up minute to
# the end; every damaged reload refused with the old run still serving; every good reload ok;
# every request answered with its expected status; no connection errors; exit 0 on SIGTERM.
#
# Environment: ESANS_BIN (default .build/release/esans), SOAK_SECONDS (600), CLIENTS (6),
# RELOAD_EVERY (30), WARMUP (60), ST_MAX_EXAMPLES (100; 0 skips schemathesis),
# OUT (default /tmp/esans-soak).
set -euo pipefail
RUN=${1:?usage: scripts/soak.sh RUNDIR INDEXDIR}
INDEX=${2:?usage: scripts/soak.sh RUNDIR INDEXDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/serve.sh"
ROOT=$(cd "$HERE/.." && pwd)
BIN=${ESANS_BIN:-.build/release/esans}
SOAK_SECONDS=${SOAK_SECONDS:-600}
CLIENTS=${CLIENTS:-6}
RELOAD_EVERY=${RELOAD_EVERY:-30}
WARMUP=${WARMUP:-60}
ST_MAX_EXAMPLES=${ST_MAX_EXAMPLES:-100}
OUT=${OUT:-/tmp/esans-soak}
[ -x "$BIN" ] || { echo "$BIN not found: swift build -c release (or set ESANS_BIN)" >&2; exit 2; }
[ -f "$INDEX/ivf.safetensors" ] || { echo "$INDEX/ivf.safetensors not found: esans index build" >&2; exit 2; }
rm -rf "$OUT/run" "$OUT/index"
mkdir -p "$OUT"
cp -r "$RUN" "$OUT/run"
cp -r "$INDEX" "$OUT/index"
start_server "$OUT/server.log" --run "$OUT/run" --index "$OUT/index"
echo "soak: $SOAK_SECONDS s, $CLIENTS clients, SIGHUP every $RELOAD_EVERY s; output in $OUT"

FAIL=0
python3 "$HERE/soak.py" --port "$PORT" --pid "$PID" --run-dir "$OUT/run" --index-dir "$OUT/index" \
  --log "$OUT/server.log" --out "$OUT" --seconds "$SOAK_SECONDS" --clients "$CLIENTS" \
  --reload-every "$RELOAD_EVERY" --warmup "$WARMUP" | tee "$OUT/soak.txt" || FAIL=1

if ! kill -0 $PID 2>/dev/null; then
  echo "[FAIL] the server is gone after the soak; log: $OUT/server.log"
  exit 1
fi

if [ "$ST_MAX_EXAMPLES" = 0 ]; then
  echo "schemathesis: skipped (ST_MAX_EXAMPLES=0)"
elif ! command -v st >/dev/null; then
  echo "schemathesis: skipped, not installed (pip install schemathesis)"
else
  echo "schemathesis $(st --version 2>/dev/null | awk '{print $NF}') against openapi.yaml, --max-examples $ST_MAX_EXAMPLES"
  set +e
  (cd "$OUT" && st run "$ROOT/openapi.yaml" --url "http://127.0.0.1:$PORT" --max-examples "$ST_MAX_EXAMPLES" --workers 2 \
    --request-timeout 30 --no-color) >"$OUT/schemathesis.txt" 2>&1
  ST_STATUS=$?
  set -e
  # The summary: test-case counts and the failures by check.
  sed -n '/SUMMARY/,$p' "$OUT/schemathesis.txt" | grep -v '^$' | head -40
  echo "schemathesis exit status $ST_STATUS (full output: $OUT/schemathesis.txt)"
  kill -0 $PID 2>/dev/null || { echo "[FAIL] the server died under schemathesis"; exit 1; }
fi

curl -sf "http://127.0.0.1:$PORT/metrics" >"$OUT/metrics.txt"
SERVER_5XX=$(awk '/^esans_http_requests_total/ && /status="5[0-9][0-9]"/ {n += $NF} END {print n + 0}' "$OUT/metrics.txt")
echo "server-side counts:"; grep -E '^esans_(http_requests_total|reloads_total)' "$OUT/metrics.txt" | sed 's/^/  /'
if [ "$SERVER_5XX" -eq 0 ]; then echo "[pass] 0 responses 5xx in the server's counts: 0"; else echo "[FAIL] 0 responses 5xx in the server's counts: $SERVER_5XX"; FAIL=1; fi

kill -TERM $PID
set +e; wait $PID; STATUS=$?; set -e
trap - EXIT
if [ "$STATUS" -eq 0 ]; then echo "[pass] exit status 0 after SIGTERM"; else echo "[FAIL] exit status $STATUS after SIGTERM"; FAIL=1; fi
echo "log: $OUT/server.log; per second: $OUT/seconds.csv; summary: $OUT/summary.json"
[ "$FAIL" -eq 0 ] && echo "soak: all bars pass" || echo "soak: FAILED"
exit "$FAIL"
