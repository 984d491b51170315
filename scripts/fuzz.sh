#!/usr/bin/env bash
# Coverage-guided fuzzing of esans's readers with libFuzzer (the package in Fuzz/).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   build, then fuzz each target for SECONDS (default 60)
#   scripts/fuzz.sh --seeds [TARGET...]     rewrite Fuzz/Corpus/<target>/ from the harnesses' seeds
#   scripts/fuzz.sh --list                  the targets
#
# Targets run at most FUZZ_JOBS (default 2) at a time, each from its seeds in Fuzz/Corpus/<target>/
# plus what earlier runs found (.build-fuzz/work/<target>/corpus, not in the repository), with
# the tokens of Fuzz/Dictionaries/<target>.dict (field names, dtypes, keys) to splice in. At the
# end a table gives per target the executions (libFuzzer's stat::number_of_executed_units),
# the coverage (cov: edges, ft: features), the corpus size and any crash, leak, timeout or
# out-of-memory input (under .build-fuzz/work/<target>/artifacts/); the full log of each run is
# .build-fuzz/work/<target>/log. Exit status 1 when a target found something or did not run.
#
# Environment: CI=true runs each target for 20 s (SECONDS ignored); FUZZ_RUNS=N also stops a
# target after N executions; FUZZ_JOBS=N fuzzers at once; FUZZ_FLAGS adds libFuzzer flags;
# FUZZ_NO_BUILD=1 runs the binaries already in .build-fuzz (a long campaign while the sources change).
# To reproduce a finding: .build-fuzz/debug/<Executable> <crash file>.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A EXECUTABLE=(
    [lightgcn]=FuzzLightGCN [recbole]=FuzzRecBole [atomic]=FuzzAtomic [delimited]=FuzzDelimited
    [npy]=FuzzNPY [safetensors]=FuzzSafeTensors [torch-pickle]=FuzzTorchPickle
    [semantic-ids]=FuzzSemanticIDs [msac]=FuzzMSAC [run-config]=FuzzRunConfig
    [metrics-log]=FuzzMetricsLog [ivf]=FuzzIVF [http-request]=FuzzHTTPRequest
    [milvus-response]=FuzzMilvusResponse
)
ORDER=(lightgcn recbole atomic delimited npy safetensors torch-pickle semantic-ids msac run-config metrics-log ivf http-request milvus-response)
SCRATCH=.build-fuzz
WORK=$SCRATCH/work

mode=fuzz
seconds=60
if [[ ${1:-} == --list ]]; then printf '%s\n' "${ORDER[@]}"; exit 0; fi
if [[ ${1:-} == --seeds ]]; then mode=seeds; shift; fi
if [[ $mode == fuzz && ${1:-} =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
if [[ ${CI:-} == true ]]; then seconds=20; fi
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${ORDER[@]}")
for t in "${targets[@]}"; do
    [[ -n ${EXECUTABLE[$t]:-} ]] || { echo "unknown target '$t' (one of: ${ORDER[*]})" >&2; exit 64; }
done

# Build (debug, ASan + libFuzzer instrumentation on every Swift module, the main package's too).
build() {
    swift build --package-path Fuzz --scratch-path "$SCRATCH" -c debug \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library "$@" 2>&1 | grep -v "Cannot export local symbol"
}
echo "building ${#targets[@]} fuzz target(s) in $SCRATCH ..."
# One product at a time: building the whole package would also build the main package's
# executable, which cannot link with libFuzzer's main.
if [[ -z ${FUZZ_NO_BUILD:-} ]]; then
    for t in "${targets[@]}"; do build --product "${EXECUTABLE[$t]}"; done
fi
for t in "${targets[@]}"; do
    [[ -x $SCRATCH/debug/${EXECUTABLE[$t]} ]] || { echo "build failed: no $SCRATCH/debug/${EXECUTABLE[$t]}" >&2; exit 1; }
done

if [[ $mode == seeds ]]; then
    for t in "${targets[@]}"; do
        rm -rf "Fuzz/Corpus/$t"
        ESANS_FUZZ_WRITE_SEEDS="Fuzz/Corpus/$t" "$SCRATCH/debug/${EXECUTABLE[$t]}"
    done
    exit 0
fi

run_one() {
    local t=$1 dir=$WORK/$1
    mkdir -p "$dir/corpus" "$dir/artifacts"
    local flags=(-max_total_time="$seconds" -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=1024
                 -max_len=8192 -artifact_prefix="$dir/artifacts/")
    [[ -f Fuzz/Dictionaries/$t.dict ]] && flags+=(-dict="Fuzz/Dictionaries/$t.dict")
    [[ -n ${FUZZ_RUNS:-} ]] && flags+=(-runs="$FUZZ_RUNS")
    # shellcheck disable=SC2206
    [[ -n ${FUZZ_FLAGS:-} ]] && flags+=($FUZZ_FLAGS)
    # New inputs go to the first (work) corpus; the seeds in the repository are only read.
    # Swift's own crash backtracer would read the other threads' stacks under ASan and report
    # that instead of the fatal error: off, libFuzzer reports the signal.
    SWIFT_BACKTRACE=enable=no "$SCRATCH/debug/${EXECUTABLE[$t]}" "${flags[@]}" "$dir/corpus" "Fuzz/Corpus/$t" >"$dir/log" 2>&1 || true
}

echo "fuzzing ${#targets[@]} target(s), $seconds s each${FUZZ_RUNS:+ or $FUZZ_RUNS runs}, ${FUZZ_JOBS:-2} at a time"
for t in "${targets[@]}"; do
    while (($(jobs -rp | wc -l) >= ${FUZZ_JOBS:-2})); do wait -n || true; done
    echo "  $t"
    run_one "$t" &
done
wait

status=0
printf '\n%-14s %-7s %11s %7s %6s %6s %6s %6s  %s\n' target result executions exec/s cov ft corpus rss-mb finding
for t in "${targets[@]}"; do
    log=$WORK/$t/log
    final_stat() { grep -o "stat::$1: *[0-9]*" "$log" | tail -1 | grep -o '[0-9]*$' || true; }
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
    field() { grep -o "$1: [0-9]*" <<<"$last" | grep -o '[0-9]*' || true; }
    execs=$(final_stat number_of_executed_units)
    # A run stopped by a finding prints no final statistics: its last status line counts.
    [[ -n $execs ]] || execs=$(grep -o '^#[0-9]*' <<<"$last" | tr -d '#' || true)
    finding=$(grep -o 'Test unit written to .*' "$log" | tail -1 | sed 's/Test unit written to //' || true)
    result=ok
    if [[ -n $finding ]]; then
        result=FOUND
        status=1
    elif [[ -z $execs ]]; then
        result=NO-RUN
        status=1
    fi
    printf '%-14s %-7s %11s %7s %6s %6s %6s %6s  %s\n' "$t" "$result" "${execs:--}" "$(final_stat average_exec_per_sec)" \
        "$(field cov)" "$(field ft)" "$(field corp)" "$(final_stat peak_rss_mb)" "$finding"
    if [[ $result != ok ]]; then
        grep -m1 -E 'ERROR: |Fatal error|property violated|unexpected error' "$log" | sed 's/^/               /' || true
    fi
done
exit $status
