# Sourced by scripts that test a running `esans serve` (soak.sh, loadtest.sh).
#
# start_server LOG ARGS...: runs `$BIN serve ARGS... --host 127.0.0.1 --port PORT` on a free
# loopback port with its stderr in LOG, and returns once /healthz answers. Sets PORT, PID and
# HEALTH (the /healthz body), and a trap that stops the server when the script exits; a server
# that exits before it answers prints LOG and ends the script with status 1.

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_server() {
  local log=$1; shift
  PORT=$(free_port)
  "$BIN" serve "$@" --host 127.0.0.1 --port "$PORT" --log-level info 2>"$log" &
  PID=$!
  trap 'kill -TERM $PID 2>/dev/null || true' EXIT
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    kill -0 $PID 2>/dev/null || { echo "server exited:"; cat "$log"; exit 1; }
    sleep 0.2
  done
  HEALTH=$(curl -sf "http://127.0.0.1:$PORT/healthz") || { echo "server did not answer /healthz within 120 s:"; cat "$log"; exit 1; }
  echo "server pid $PID on 127.0.0.1:$PORT: $HEALTH"
}
