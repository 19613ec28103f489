#!/usr/bin/env bash
# Load benchmark of `mlg serve` (a script, not a test): builds the release binary,
# deploys the iris workflow into a temporary folder, serves it on loopback and
# runs wrk against single-row POST /predict; prints throughput, p50/p99 latency
# and errors. wrk and the server share the machine's cores.
#
#   scripts/load_test.sh                  # 2 wrk threads, 64 connections, 20 s
#   THREADS=2 CONNECTIONS=64 DURATION=20s WORKERS=2 scripts/load_test.sh
#
# WORKERS is the server's --workers (tokio worker threads). It defaults to 1 so
# that on the 2-core machine wrk keeps one core and the server the other;
# WORKERS= (empty) uses the server's default, one worker per core, which puts
# four busy threads on two cores and costs tail latency.
#
# MLG=/path/to/mlg measures that binary instead of building this checkout's
# (e.g. to compare two builds under the same machine load). SERVE_ARGS adds
# flags to `mlg serve` (e.g. SERVE_ARGS="--log /tmp/p.jsonl"; a `{work}` in
# them is replaced by the temporary folder). ARTIFACT=path serves that
# artifact instead of deploying iris (the request body stays iris's rows).
#
# Needs wrk (Debian package `wrk`: apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-20s}
WORKERS=${WORKERS-1}

if ! command -v wrk >/dev/null; then
    echo "wrk is not installed: apt-get install -y wrk" >&2
    exit 1
fi

if [ -n "${MLG:-}" ]; then
    mlg=$(realpath "$MLG")
else
    cargo build --release --bin mlg
    mlg="$PWD/target/release/mlg"
fi

work=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server"
        wait "$server" || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Deploy iris into the temporary folder (the workflow writes out/iris.mlgc
# beside itself), leaving examples/out untouched.
if [ -n "${ARTIFACT:-}" ]; then
    artifact=$(realpath "$ARTIFACT")
else
    mkdir -p "$work/data"
    cp examples/iris.mlg "$work/"
    cp examples/data/iris.csv "$work/data/"
    "$mlg" run "$work/iris.mlg" --quiet --no-importance
    artifact="$work/out/iris.mlgc"
fi

args=(serve "$artifact" --addr 127.0.0.1:0)
if [ -n "$WORKERS" ]; then
    args+=(--workers "$WORKERS")
fi
if [ -n "${SERVE_ARGS:-}" ]; then
    read -r -a extra <<<"${SERVE_ARGS//\{work\}/$work}"
    args+=("${extra[@]}")
fi
"$mlg" "${args[@]}" >"$work/stdout" 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do
    [ -s "$work/stdout" ] && break
    sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$work/stdout")
if [ -z "$url" ]; then
    echo "mlg serve did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
fi

cat >"$work/predict.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"rows":[{"sepal_length_cm":5.1,"sepal_width_cm":3.5,"petal_length_cm":1.4,"petal_width_cm":0.2}]}'
LUA

# Warm up (connections, allocator, caches), then measure.
wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -s "$work/predict.lua" "$url/predict" >/dev/null
command=(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/predict.lua" "$url/predict")
echo "\$ ${command[*]}"
"${command[@]}" | tee "$work/wrk.txt"

rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt")
p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$work/wrk.txt")
socket=$(sed -n 's/.*Socket errors: //p' "$work/wrk.txt")
echo
echo "cores: $(nproc) (shared by wrk and the server); server workers: ${WORKERS:-one per core}"
echo "throughput: $rps requests/s"
echo "latency: p50 $p50, p99 $p99"
echo "errors: non-2xx ${non2xx:-0}; socket ${socket:-none}"
# The prediction log's counters, when the server writes one.
if command -v curl >/dev/null; then
    curl -s "$url/metrics" | grep '^mlg_prediction_log' || true
fi
