#!/usr/bin/env bash
# Distributed training benchmark: fits the models that run distributed today
# (logistic regression after standardize, linear regression, gradient
# boosting, 100 rounds without early stopping, an MLP of 32 hidden units,
# 3 epochs of mini-batches of 200, after standardize, and a random forest of
# 20 trees of depth 8) on the
# 800,000-row training part of the 1,000,000-row synthetic set, and a
# task-parallel job (a forest's 4-fold evaluation on 40,000 rows), on 1, 2, ...
# ranks of one thread each, and reports per job the median wall time of
# --runs runs (mpirun start included), the speed-up over one rank, the
# collective calls and bytes each rank sent (MLG_MPI_STATS), and the peak RSS
# of every rank (GNU time). Writes benches/results/distributed.{json,md}.
#
#   benches/distributed.sh [--runs 3] [--ranks "1 2"] [--data /tmp/mlg-compare]
#
# Needs Open MPI (apt-get install libopenmpi-dev openmpi-bin libclang-dev),
# GNU time, and python3 with scikit-learn and pandas for the data.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3
ranks="1 2"
data="${TMPDIR:-/tmp}/mlg-compare"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --ranks) ranks="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
cargo build --release --quiet --features mpi --bin mlg
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
exec python3 - "$runs" "$ranks" "$data" "benches/distributed.sh $*" <<'PY'
import datetime, json, os, re, statistics, subprocess, sys, tempfile, time

runs, ranks, data, command = int(sys.argv[1]), [int(r) for r in sys.argv[2].split()], sys.argv[3], sys.argv[4]
sys.path.insert(0, "benches")
import compare  # the data set of benches/compare.py

files = compare.generate(data)
mlg = os.path.abspath("target/release/mlg")
work = tempfile.mkdtemp(prefix="mlg-distributed-")
flows = {
    "logistic": ('data d = csv("{clf}", target = "target")\n'
                 'features s = d -> standardize(numeric)\n'
                 'model m = logistic_regression(s)\n'),
    "linear": ('data d = csv("{reg}", target = "target")\n'
               'model m = linear_regression(d)\n'),
    "boosting": ('data d = csv("{clf}", target = "target")\n'
                 'model m = gradient_boosting_classifier(d, rounds = 100, early_stopping = "off")\n'),
    "mlp": ('data d = csv("{clf}", target = "target")\n'
            'features s = d -> standardize(numeric)\n'
            'model m = mlp_classifier(s, hidden = "32", epochs = 3)\n'),
    "forest": ('data d = csv("{clf}", target = "target")\n'
               'model m = random_forest_classifier(d, trees = 20, max_depth = 8, seed = 0)\n'),
    # Task parallelism: the folds of an evaluation dealt out to the ranks.
    "forest kfold(4), 40k rows": ('data d = csv("{clf40}", target = "target")\n'
                                  'model m = random_forest_classifier(d, trees = 50, max_depth = 10, seed = 0)\n'
                                  'evaluate m with kfold(4, seed = 0) metrics accuracy\n'),
}
env = dict(os.environ, RAYON_NUM_THREADS="1", MLG_MPI_STATS="1")
results = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "command": command,
           "cpus": os.cpu_count(), "runs": runs, "rows": 800_000, "features": 20, "fits": {}}
for name, text in flows.items():
    flow = os.path.join(work, name.split()[0] + ".mlg")
    with open(flow, "w") as f:
        f.write(text.format(clf=files["clf_train"], reg=files["reg_train"], clf40=files["clf_40k"])
                + 'deploy m to "m.mlgc"\n')
    rows = {}
    for n in ranks:
        walls, rss, traffic = [], [], []
        for _ in range(runs):
            # Open MPI's default binding (a core per rank) unless there are
            # more ranks than cores.
            over = ["--oversubscribe"] if n > (os.cpu_count() or 1) else []
            # Each rank's peak RSS into its own file: ranks writing it to a
            # shared stderr interleave.
            for old in [f for f in os.listdir(work) if f.startswith("rss.")]:
                os.remove(os.path.join(work, old))
            timed = f'exec /usr/bin/time -o "{work}/rss.$OMPI_COMM_WORLD_RANK" -f %M "$0" "$@"'
            cmd = ["mpirun", "-np", str(n), *over,
                   "sh", "-c", timed, mlg, "run", "--quiet", "--no-importance", flow]
            t = time.perf_counter()
            out = subprocess.run(cmd, env=env, cwd=work, capture_output=True, text=True)
            walls.append(time.perf_counter() - t)
            if out.returncode != 0:
                sys.exit(f"{name} on {n} ranks failed:\n{out.stderr}")
            peaks = [int(open(os.path.join(work, f)).read().split()[-1])
                     for f in os.listdir(work) if f.startswith("rss.")]
            if len(peaks) != n:
                sys.exit(f"{name} on {n} ranks: {len(peaks)} peak RSS files from GNU time:\n{out.stderr}")
            rss.append(max(peaks) / 1024)
            sent = [(int(c), int(b)) for c, b in re.findall(r"(\d+) collective calls, (\d+) bytes sent", out.stderr)]
            traffic.append(sent[0] if sent else (0, 0))
        rows[n] = {"seconds": statistics.median(walls), "min": min(walls), "max": max(walls),
                   "peak_rss_mb_per_rank": statistics.median(rss),
                   "collective_calls": traffic[0][0], "bytes_sent_per_rank": traffic[0][1]}
        print(name, n, json.dumps(rows[n]), flush=True)
    base = rows[ranks[0]]["seconds"]
    for n in ranks:
        rows[n]["speedup"] = base / rows[n]["seconds"]
    results["fits"][name] = rows

os.makedirs("benches/results", exist_ok=True)
with open("benches/results/distributed.json", "w") as f:
    json.dump(results, f, indent=1)
lines = [f"Measured {results['date']} by `{command}`: 800,000 rows × 20 features from CSV "
         f"(`mlg run`, read + fit + deploy; the forest kfold(4) job: 40,000 rows, 4 folds dealt out to the ranks, "
         f"then the deploy fit on rank 0), one thread per rank, median of {runs} runs (min–max), "
         f"{results['cpus']} cores.", "",
         "| model | ranks | wall | speed-up | collective calls | bytes sent per rank | peak RSS per rank |",
         "| --- | --- | --- | --- | --- | --- | --- |"]
for name, rows in results["fits"].items():
    for n, r in rows.items():
        lines.append(f"| {name} | {n} | {r['seconds']:.2f} s ({r['min']:.2f}–{r['max']:.2f}) | "
                     f"{r['speedup']:.2f}× | {r['collective_calls']} | {r['bytes_sent_per_rank']:,} | "
                     f"{r['peak_rss_mb_per_rank']:.0f} MB |")
with open("benches/results/distributed.md", "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
