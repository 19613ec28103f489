#!/usr/bin/env python3
"""A/B of the compiled function between two `mlg` binaries, or between
artifacts, alternated.

Runs `BIN bench ARTIFACT --input CSV --json` for each artifact, old and new
binary in turn, `--runs` times, with the same rows and `RAYON_NUM_THREADS`
(default 2), and prints a markdown table of the medians (min–max) of
Cranelift rows/s on 1 thread and on all threads. Alternating spreads the
machine's drift over both sides. With `--bin` instead of `--old`/`--new`,
one binary benches the artifacts in turn (a model against its compressed
variant, say).

    python3 benches/ab_bench.py --old OLD_BIN --new NEW_BIN --input test.csv \\
        forest.mlgc boosting.mlgc
    python3 benches/ab_bench.py --bin BIN --input test.csv mlp.mlgc mlp_lowrank.mlgc
"""

import argparse
import json
import os
import statistics
import subprocess


def bench(binary, artifact, csv, env):
    out = subprocess.run([binary, "bench", artifact, "--input", csv, "--json"], env=env,
                         check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    return r["cranelift_1_thread_rows_per_s"], r["cranelift_all_threads_rows_per_s"]


def cell(values):
    m = [v / 1e6 for v in values]
    d = 2 if statistics.median(m) >= 1 else 3
    return f"{statistics.median(m):.{d}f} M ({min(m):.{d}f}–{max(m):.{d}f})"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--old")
    p.add_argument("--new")
    p.add_argument("--bin")
    p.add_argument("--input", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--threads", default="2")
    p.add_argument("artifacts", nargs="+")
    a = p.parse_args()
    env = dict(os.environ, RAYON_NUM_THREADS=a.threads)
    if a.bin:
        return artifacts_ab(a, env)
    if not (a.old and a.new):
        p.error("give --old and --new, or --bin")
    print(f"`{' '.join(['python3', 'benches/ab_bench.py', '--runs', str(a.runs), '--threads', a.threads])}`: "
          f"{a.runs} alternated runs per binary, {a.threads} threads, median (min–max)\n")
    print("| artifact | binary | 1 thread rows/s | all threads rows/s |")
    print("| --- | --- | --- | --- |")
    for artifact in a.artifacts:
        samples = {"old": [], "new": []}
        for _ in range(a.runs):
            for side in ("old", "new"):
                samples[side].append(bench(getattr(a, side), artifact, a.input, env))
        for side in ("old", "new"):
            one = [s[0] for s in samples[side]]
            every = [s[1] for s in samples[side]]
            name = os.path.basename(artifact)
            print(f"| {name} | {side} ({os.path.basename(getattr(a, side))}) | {cell(one)} | {cell(every)} |",
                  flush=True)


def artifacts_ab(a, env):
    """One binary, the artifacts alternated."""
    print(f"`{' '.join(['python3', 'benches/ab_bench.py', '--runs', str(a.runs), '--threads', a.threads])}`"
          f" with `--bin {os.path.basename(a.bin)}`: {a.runs} alternated runs per artifact, "
          f"{a.threads} threads, median (min–max)\n")
    print("| artifact | 1 thread rows/s | all threads rows/s |")
    print("| --- | --- | --- |")
    samples = {artifact: [] for artifact in a.artifacts}
    for _ in range(a.runs):
        for artifact in a.artifacts:
            samples[artifact].append(bench(a.bin, artifact, a.input, env))
    for artifact, got in samples.items():
        print(f"| {os.path.basename(artifact)} | {cell([s[0] for s in got])} | {cell([s[1] for s in got])} |")


if __name__ == "__main__":
    main()
