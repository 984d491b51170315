#!/usr/bin/env bash
# The real-MPI checks: esans launched by Open MPI's mpirun on 1, 2 and 4 ranks (oversubscribed,
# TCP over loopback). Skipped, with exit 0 and a message, when mpirun or libmpi is absent.
#
#   scripts/mpi-tests.sh [ESANS_BINARY]     (default .build/debug/esans, built by `swift build`)
#
# 1. `esans bench collectives` on 2, 3 and 4 ranks: every collective of the MPI communicator
#    returns what each rank predicts.
# 2. `esans evaluate --run D --output F` of a small synthetic run: the metrics file of 2 and 4
#    ranks is byte for byte that of one process, and only rank 0 prints.
# 3. A command that runs in one process only (`esans train`) refuses to start as one of 2 ranks.
# 4. `esans train --distributed` of a small synthetic run on 1, 2 and 4 ranks: metrics.json and
#    model.safetensors identical (timings, all-to-all traffic and the rank count aside).
# 5. A --distributed run of generated data on 2 ranks, one rank killed once an epoch is
#    committed, resumed on 4 ranks: the same metrics and model as an uninterrupted 1-rank run.
# Environment: MPI_RANKS overrides the rank counts of step 2 ("2 4").
set -euo pipefail
cd "$(dirname "$0")/.."
ESANS=${1:-.build/debug/esans}

if ! command -v mpirun >/dev/null 2>&1; then
    echo "mpi-tests: skipped (no mpirun; apt-get install libopenmpi-dev openmpi-bin)"
    exit 0
fi
if ! ldconfig -p 2>/dev/null | grep -q 'libmpi\.so\.40'; then
    echo "mpi-tests: skipped (mpirun found but no libmpi.so.40: esans loads Open MPI 4's)"
    exit 0
fi
[[ -x $ESANS ]] || { echo "mpi-tests: $ESANS not found; run swift build first" >&2; exit 1; }

# Open MPI refuses root unless told; two cores: oversubscribe, no binding; one thread per rank
# comes from esans itself (cores / ranks on the machine).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_hwloc_base_binding_policy=none
# Loopback TCP only (no InfiniBand probing, no shared-memory transport quirks in containers).
export OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
MPIRUN=(mpirun --oversubscribe --bind-to none)

WORK=$(mktemp -d /tmp/esans-mpi-tests.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failed=0
fail() { echo "mpi-tests: FAIL: $*" >&2; failed=1; }

echo "mpi-tests: $(mpirun --version 2>/dev/null | head -1)"
for np in 2 3 4; do
    if out=$("${MPIRUN[@]}" -np "$np" "$ESANS" bench collectives --doubles 65536 --repeats 2 2>&1); then
        grep -q "collectives ok" <<<"$out" || fail "bench collectives -np $np: $out"
        echo "mpi-tests: collectives on $np ranks ok ($(tail -1 <<<"$out"))"
    else
        fail "bench collectives -np $np exited non-zero: $out"
    fi
done

"$ESANS" train --data synthetic --epochs 1 --dim 8 --validation 0 --seed 3 --output "$WORK/run" >"$WORK/train.log" 2>&1 \
    || { cat "$WORK/train.log" >&2; fail "could not train the synthetic run"; exit 1; }
"$ESANS" evaluate --run "$WORK/run" --output "$WORK/metrics-1.json" >"$WORK/eval-1.log" 2>&1 \
    || { cat "$WORK/eval-1.log" >&2; fail "evaluate (one process)"; }
for np in ${MPI_RANKS:-2 4}; do
    if "${MPIRUN[@]}" -np "$np" "$ESANS" evaluate --run "$WORK/run" --output "$WORK/metrics-$np.json" >"$WORK/eval-$np.log" 2>&1; then
        if cmp -s "$WORK/metrics-1.json" "$WORK/metrics-$np.json"; then
            echo "mpi-tests: evaluate on $np ranks: metrics identical to one process"
        else
            fail "evaluate -np $np: metrics differ"; diff "$WORK/metrics-1.json" "$WORK/metrics-$np.json" >&2 || true
        fi
        printed=$(grep -c "users evaluated" "$WORK/eval-$np.log" || true)
        [[ $printed == 1 ]] || fail "evaluate -np $np: $printed ranks printed the metrics (rank 0 alone should)"
    else
        cat "$WORK/eval-$np.log" >&2; fail "evaluate -np $np exited non-zero"
    fi
done

if "${MPIRUN[@]}" -np 2 "$ESANS" train --data synthetic --epochs 1 --dim 8 --output "$WORK/run2" >"$WORK/refuse.log" 2>&1; then
    fail "train started as one of 2 ranks"
elif ! grep -q "runs in one process" "$WORK/refuse.log"; then
    cat "$WORK/refuse.log" >&2; fail "train under mpirun: unexpected error"
else
    echo "mpi-tests: train refuses to run as one of 2 ranks"
fi

# metrics.json without what differs between rank counts: timings, all-to-all traffic, memory, the rank count.
untimed() {
    python3 -c 'import json,sys
m = json.load(open(sys.argv[1]))
drop = lambda d: {k: v for k, v in d.items() if "seconds" not in k and not k.startswith("bytes_") and not k.startswith("peak_rss")}
m["epochs"] = [drop(e) for e in m["epochs"]]; m["final"] = drop(m["final"])
m["run"].pop("ranks", None); m["run"].pop("peak_rss_bytes_per_rank", None)
print(json.dumps(m, sort_keys=True))' "$1"
}
same_run() {  # same_run DIR_A DIR_B: metrics (untimed) and model weights identical
    [[ "$(untimed "$1/metrics.json")" == "$(untimed "$2/metrics.json")" ]] && cmp -s "$1/model.safetensors" "$2/model.safetensors"
}

DIST=(train --distributed --virtual-shards 4 --threads 1 --validation 0 --dim 8 --seed 3 --batch-size 256 --negatives 128 --eval-every 2)
for np in 1 2 4; do
    if ! "${MPIRUN[@]}" -np "$np" "$ESANS" "${DIST[@]}" --data synthetic --epochs 2 --output "$WORK/dist-$np" >"$WORK/dist-$np.log" 2>&1; then
        cat "$WORK/dist-$np.log" >&2; fail "train --distributed -np $np exited non-zero"; continue
    fi
    if [[ $np != 1 ]]; then
        if same_run "$WORK/dist-1" "$WORK/dist-$np"; then
            echo "mpi-tests: train --distributed on $np ranks: metrics and model identical to 1 rank ($(grep -o 'all-to-all [0-9.]* KiB/step' "$WORK/dist-$np.log" | tail -1))"
        else
            fail "train --distributed -np $np: metrics or model differ from 1 rank"; diff <(untimed "$WORK/dist-1/metrics.json") <(untimed "$WORK/dist-$np/metrics.json") >&2 || true
        fi
    fi
done
printed=$(grep -c "^epoch" "$WORK/dist-4.log" || true)
[[ $printed == 2 ]] || fail "train --distributed -np 4: $printed epoch lines (rank 0 alone should print 2)"

# Kill one rank once epoch 1 is committed, resume on 4 ranks.
# 4 data shards: on 1, 2 and 4 ranks each rank maps only its users' shards.
"$ESANS" data generate --users 2000 --items 1500 --interactions 40000 --shards 4 --seed 5 --output "$WORK/gen" >/dev/null
KILL=("${DIST[@]}" --data "$WORK/gen" --epochs 3 --batch-size 512)
"$ESANS" "${KILL[@]}" --output "$WORK/kill-ref" >"$WORK/kill-ref.log" 2>&1 || { cat "$WORK/kill-ref.log" >&2; fail "train --distributed (reference of the kill test)"; }
"${MPIRUN[@]}" -np 2 "$ESANS" "${KILL[@]}" --output "$WORK/kill" >"$WORK/kill-1.log" 2>&1 &
launcher=$!
for _ in $(seq 600); do [[ -f $WORK/kill/shards/manifest.json ]] && break; sleep 0.1; done
victim=$(pgrep -P "$launcher" -f esans | tail -1 || true)
committed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["epoch"])' "$WORK/kill/shards/manifest.json" 2>/dev/null || echo 0)
[[ -n $victim ]] && kill -9 "$victim" 2>/dev/null || true
wait "$launcher" 2>/dev/null || true
if [[ -f $WORK/kill/model.safetensors ]]; then
    echo "mpi-tests: kill test inconclusive: the run finished before a rank was killed"
else
    if "${MPIRUN[@]}" -np 4 "$ESANS" "${KILL[@]}" --output "$WORK/kill" --resume >"$WORK/kill-2.log" 2>&1 && same_run "$WORK/kill-ref" "$WORK/kill"; then
        echo "mpi-tests: a 2-rank run killed after epoch $committed and resumed on 4 ranks equals an uninterrupted 1-rank run ($(grep -o 'resuming after epoch [0-9]*' "$WORK/kill-2.log"))"
    else
        cat "$WORK/kill-2.log" >&2; fail "kill and resume: not the uninterrupted result"
    fi
fi

[[ $failed == 0 ]] && echo "mpi-tests: all passed"
exit $failed
