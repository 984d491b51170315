#!/usr/bin/env bash
# Load test of `esans serve` on loopback with wrk.
#
#   scripts/loadtest.sh RUNDIR [INDEXDIR]
#
# Starts the server on a free loopback port, then runs wrk (POST /v1/retrieve, a random known
# user per request, k = 100, training items excluded):
#   1. one connection for SINGLE_SECONDS (latency at one client), exact search;
#   2. CONNECTIONS connections for LOAD_SECONDS, exact search;
#   3. with INDEXDIR: CONNECTIONS connections for LOAD_SECONDS, IVF search, with a SIGHUP
#      (reload of the run and index) half-way through: no request may fail.
# Reports throughput, p50/p99 latency, non-2xx and socket errors per phase, the server's RSS
# before and after each phase, and stops the server with SIGTERM (it must exit 0).
# Environment: ESANS_BIN (default .build/release/esans), SINGLE_SECONDS (20), LOAD_SECONDS (30),
# CONNECTIONS (8), WRK_THREADS (2), K (100), OUT (default /tmp/esans-loadtest).
# Needs wrk (Debian: apt-get install -y wrk).
set -euo pipefail
RUN=${1:?usage: scripts/loadtest.sh RUNDIR [INDEXDIR]}
INDEX=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/serve.sh"
BIN=${ESANS_BIN:-.build/release/esans}
SINGLE_SECONDS=${SINGLE_SECONDS:-20}
LOAD_SECONDS=${LOAD_SECONDS:-30}
CONNECTIONS=${CONNECTIONS:-8}
WRK_THREADS=${WRK_THREADS:-2}
K=${K:-100}
OUT=${OUT:-/tmp/esans-loadtest}
command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 2; }
[ -x "$BIN" ] || { echo "$BIN not found: swift build -c release (or set ESANS_BIN)" >&2; exit 2; }
mkdir -p "$OUT"
INDEX_ARGS=()
[ -n "$INDEX" ] && INDEX_ARGS=(--index "$INDEX")
start_server "$OUT/server.log" --run "$RUN" "${INDEX_ARGS[@]}"
USERS=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["users"])' "$HEALTH")

rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$PID/status"; }
phase() {  # name connections threads seconds index [reload]
  local name=$1 c=$2 t=$3 d=$4 idx=$5 reload=${6:-}
  local before; before=$(rss)
  [ -n "$reload" ] && (sleep $((d / 2)); kill -HUP $PID) &
  ESANS_USERS=$USERS ESANS_K=$K ESANS_INDEX=$idx \
    wrk -t"$t" -c"$c" -d"${d}s" --latency -s "$HERE/loadtest.lua" "http://127.0.0.1:$PORT" >"$OUT/wrk-$name.txt"
  local after; after=$(rss)
  kill -0 $PID 2>/dev/null || { echo "server died during $name"; cat "$OUT/server.log"; exit 1; }
  awk -v name="$name" -v c="$c" -v idx="$idx" -v before="$before" -v after="$after" '
    /Requests\/sec/ {rps=$2}
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    /requests in/ {n=$1}
    /Non-2xx/ {non2xx=$NF}
    /Socket errors/ {sock=$0; sub(/.*Socket errors: /, "", sock)}
    END {printf "%-12s index=%-5s conns=%-2d requests=%-8s rps=%-9s p50=%-9s p99=%-9s non2xx=%s socket_errors=%s rss_before=%s rss_after=%s\n",
         name, idx, c, n, rps, p50, p99, (non2xx==""?0:non2xx), (sock==""?"none":sock), before, after}' "$OUT/wrk-$name.txt"
}

echo "rss at start: $(rss)"
phase single 1 1 "$SINGLE_SECONDS" exact
phase load-exact "$CONNECTIONS" "$WRK_THREADS" "$LOAD_SECONDS" exact
[ -n "$INDEX" ] && phase load-ivf+hup "$CONNECTIONS" "$WRK_THREADS" "$LOAD_SECONDS" ivf reload
curl -sf "http://127.0.0.1:$PORT/metrics" >"$OUT/metrics.txt"
echo "server-side counts:"; grep -E '^esans_(http_requests|reloads)_total' "$OUT/metrics.txt" || true
kill -TERM $PID
set +e; wait $PID; STATUS=$?; set -e
trap - EXIT
echo "server exit status after SIGTERM: $STATUS (log: $OUT/server.log, wrk output: $OUT/wrk-*.txt)"
[ "$STATUS" -eq 0 ]
