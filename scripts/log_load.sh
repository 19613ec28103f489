#!/usr/bin/env bash
# The prediction log's cost under load (a script, not a test): runs
# scripts/load_test.sh against the same binary and artifact with the log off
# and on (`--log`, `--log-sample 1`: every request written), alternating,
# ROUNDS times each, and compares the median throughput. Fails when logging
# costs more than 15 %. Writes benches/results/prediction_log.md.
#
#   scripts/log_load.sh                 # 3 rounds of 10 s each way
#   ROUNDS=5 DURATION=20s scripts/log_load.sh
#
# Needs wrk (apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
export DURATION=${DURATION:-10s}
cargo build --release --bin mlg
export MLG="$PWD/target/release/mlg"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/data"
cp examples/iris.mlg "$work/"
cp examples/data/iris.csv "$work/data/"
"$MLG" run "$work/iris.mlg" --quiet --no-importance
export ARTIFACT="$work/out/iris.mlgc"

off=()
on=()
for round in $(seq "$ROUNDS"); do
    for mode in off on; do
        if [ "$mode" = on ]; then
            export SERVE_ARGS="--log {work}/predictions.jsonl --log-sample 1"
        else
            export SERVE_ARGS=""
        fi
        scripts/load_test.sh >"$work/$mode-$round.txt" 2>&1
        rps=$(awk '/^throughput:/ {print $2}' "$work/$mode-$round.txt")
        echo "round $round, log $mode: $rps requests/s"
        if [ "$mode" = on ]; then
            on+=("$rps")
            grep '^mlg_prediction_log' "$work/$mode-$round.txt" || true
        else
            off+=("$rps")
        fi
    done
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
m_off=$(median "${off[@]}")
m_on=$(median "${on[@]}")
ratio=$(awk -v a="$m_on" -v b="$m_off" 'BEGIN {printf "%.3f", a / b}')
{
    echo "# Prediction log under load"
    echo
    echo "\`scripts/log_load.sh\` ($(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD), $(nproc) cores shared by wrk and the server,"
    echo "server --workers ${WORKERS-1}; wrk: ${THREADS:-2} threads, ${CONNECTIONS:-64} connections, $DURATION per run; single-row POST /predict of iris,"
    echo "the log off and on (\`--log FILE --log-sample 1\`) alternating, $ROUNDS runs each)."
    echo
    echo "| log | requests/s per run | median |"
    echo "| --- | --- | --- |"
    echo "| off | ${off[*]} | $m_off |"
    echo "| on, every request | ${on[*]} | $m_on |"
    echo
    echo "With the log on: $ratio of the throughput with it off (target: at least 0.85)."
} | tee benches/results/prediction_log.md
awk -v r="$ratio" 'BEGIN {exit !(r >= 0.85)}'
