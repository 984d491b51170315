#!/usr/bin/env bash
# Times training epochs of several commands by running them in turns, so that a machine whose
# speed drifts (shared hosts) affects every command alike. Prints the median and the minimum
# epoch time of each command over all its rounds, and for every command after the first the
# median over rounds of its ratio to the first command in the same round.
#
# usage: scripts/interleaved-timing.sh ROUNDS LABEL 'esans train ...' [LABEL 'esans train ...' ...]
# Each command gets `--output DIR` appended (DIR under ${TMPDIR:-/tmp}/esans-timing) and must
# write metrics.json, as `esans train` does. Example (ESANS against UNS, paper regime):
#   C="--data ../shared/data/gowalla --format lightgcn --negatives 0 --per-positive 7 --epochs 3 --eval-every 100"
#   scripts/interleaved-timing.sh 3 uns "esans train $C --sampler uns" \
#       esans "esans train $C --sampler esans --semantic-ids M/semantic_ids.tsv"
set -euo pipefail
if [ $# -lt 3 ] || [ $(( ($# - 1) % 2 )) -ne 0 ]; then
  sed -n '2,12p' "$0" >&2; exit 64
fi
rounds=$1; shift
labels=(); cmds=()
while [ $# -gt 0 ]; do labels+=("$1"); cmds+=("$2"); shift 2; done
base="${TMPDIR:-/tmp}/esans-timing"
mkdir -p "$base"
for r in $(seq "$rounds"); do
  for i in "${!labels[@]}"; do
    dir="$base/${labels[$i]}-$r"; rm -rf "$dir"
    if ! eval "${cmds[$i]} --output $dir" > "$dir.log" 2>&1; then
      echo "error: '${labels[$i]}' failed in round $r; see $dir.log" >&2; exit 1
    fi
  done
done
python3 - "$base" "$rounds" "${labels[@]}" <<'PY'
import json, statistics, sys
base, rounds, labels = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def epochs(label, r):
    return [e["train_seconds"] for e in json.load(open(f"{base}/{label}-{r}/metrics.json"))["epochs"]]
for label in labels:
    t = [x for r in range(1, rounds + 1) for x in epochs(label, r)]
    line = f"{label:>12}: median epoch {statistics.median(t):.3f} s, min {min(t):.3f} s, {len(t)} epochs"
    if label != labels[0]:
        # Ratio to the first command within each round (the runs of one round saw the same
        # machine), then the median over rounds: robust to drift between rounds.
        ratios = [statistics.median(epochs(label, r)) / statistics.median(epochs(labels[0], r)) for r in range(1, rounds + 1)]
        line += f"; vs {labels[0]}: median per-round ratio {statistics.median(ratios):.3f} (rounds: {', '.join(f'{x:.2f}' for x in ratios)})"
    print(line)
PY
