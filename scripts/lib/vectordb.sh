# Sourced by the vector-database round trips (vectordb-roundtrip.sh, milvus-roundtrip.sh).
#
# roundtrip_setup SCRIPT HOME ARGS...: reads --skip-unavailable and --tests from ARGS (SKIP_OK,
#   TESTS), sets the shared defaults (ML100K, EPOCHS 2, K 100, USERS 943, MIN_RECALL 0.99), WORK
#   (HOME/work, created) and, outside --tests, ESANS_BIN (default: `swift build`, then
#   .build/debug/esans).
# skip_or_fail MESSAGE: with --skip-unavailable prints SKIP: MESSAGE and exits 0, else exits 2.
# prepare_run: sets RUN (trains MovieLens-100K from $ML100K for $EPOCHS epochs into
#   $WORK/ml100k-run unless RUN names a run) and MSAC (the `--msac DIR` arguments of the export:
#   $MSAC_DIR, else none when the run trained with ESANS and so has semantic IDs, else an MSAC
#   fit on the structured and behaviour modalities into $WORK/ml100k-msac, no text encoder needed).
# serve_and_measure LOG ARGS...: `$ESANS_BIN serve ARGS...` on a free loopback port (stderr in
#   LOG, SERVER_PID set for the caller's cleanup), waits for /healthz, runs
#   vectordb_recall.py against it for $USERS users at k $K, stops the server and sets RECALL to
#   the script's line: recall, users, vectordb ms, exact ms, summary.
# recall_at_least R MIN: status 0 when R >= MIN.

roundtrip_setup() {
  local script=$1 home=$2; shift 2
  SKIP_OK=0
  TESTS=0
  for arg in "$@"; do
    case "$arg" in
      --skip-unavailable) SKIP_OK=1 ;;
      --tests) TESTS=1 ;;
      *) echo "usage: scripts/$script [--skip-unavailable] [--tests]" >&2; exit 64 ;;
    esac
  done
  ML100K=${ML100K:-$HOME/.cache/esans/ml-100k}
  EPOCHS=${EPOCHS:-2}
  K=${K:-100}
  USERS=${USERS:-943}
  MIN_RECALL=${MIN_RECALL:-0.99}
  WORK="$home/work"
  mkdir -p "$home" "$WORK"
  [ "$TESTS" = 1 ] && return 0
  if [ -z "${ESANS_BIN:-}" ]; then
    (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && swift build --product esans >/dev/null)
    ESANS_BIN="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.build/debug/esans"
  fi
  [ -x "$ESANS_BIN" ] || { echo "$ESANS_BIN not found (set ESANS_BIN)" >&2; exit 2; }
}

skip_or_fail() {
  if [ "$SKIP_OK" = 1 ]; then echo "SKIP: $1"; exit 0; fi
  echo "$1" >&2; exit 2
}

prepare_run() {
  if [ -z "${RUN:-}" ]; then
    RUN="$WORK/ml100k-run"
    if [ ! -f "$RUN/final.safetensors" ]; then
      rm -rf "$RUN"
      echo "training $RUN ($EPOCHS epochs)"
      "$ESANS_BIN" train --data "$ML100K" --format recbole --split time:0.8 --epochs "$EPOCHS" \
        --no-refit --seed 1 --output "$RUN" >"$WORK/train.log" 2>&1 || { tail -20 "$WORK/train.log"; exit 1; }
    fi
  fi
  MSAC=()
  local has_ids
  has_ids=$(python3 -c 'import json, sys
def find(x):
    if isinstance(x, dict):
        return any(k == "semanticIDs" and v for k, v in x.items()) or any(find(v) for v in x.values())
    return False
print(int(find(json.load(open(sys.argv[1])))))' "$RUN/config.json")
  if [ -n "${MSAC_DIR:-}" ]; then
    MSAC=(--msac "$MSAC_DIR")
  elif [ "$has_ids" = 0 ]; then
    MSAC=(--msac "$WORK/ml100k-msac")
    if [ ! -f "$WORK/ml100k-msac/semantic_ids.tsv" ]; then
      echo "fitting MSAC semantic IDs into $WORK/ml100k-msac"
      "$ESANS_BIN" cluster --data "$ML100K" --format recbole --split time:0.8 --modalities structured,behaviour \
        --seed 1 --validation 0.1 --output "$WORK/ml100k-msac" >"$WORK/cluster.log" 2>&1 || { tail -20 "$WORK/cluster.log"; exit 1; }
    fi
  fi
}

serve_and_measure() {
  local log=$1; shift
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$ESANS_BIN" serve "$@" --port "$port" --log-level warning 2>"$log" &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited:"; cat "$log"; exit 1; }
    sleep 0.2
  done
  RECALL=$(python3 "$(dirname "${BASH_SOURCE[0]}")/vectordb_recall.py" "$port" "$K" "$USERS")
  kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""
}

recall_at_least() {
  python3 -c "import sys; sys.exit(0 if float('$1') >= float('$2') else 1)"
}
