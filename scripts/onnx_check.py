"""Checks `mlg export` with ONNX Runtime, outside the Rust tests (which run the
exports in tract): for the examples' models, deploys each with `mlg run`,
exports it in both tree forms (standard ops, and `--tree-ensemble` for
ai.onnx.ml's TreeEnsembleRegressor, which tract lacks), runs the ONNX model
in onnxruntime on every row of the example's data (encoded from the CSV with
the `mlg.columns` metadata: numbers as they are, a categorical column as its
level's code, NaN for missing), and compares with `mlg predict --proba`.
Prints one line per model and exits non-zero on any disagreement beyond 1e-5.

    python3 scripts/onnx_check.py [--mlg target/release/mlg]

Needs numpy, pandas and onnxruntime.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (example, data file, target, models)
CASES = [
    ("iris.mlg", "iris.csv", "target", ["lr"]),
    ("penguins.mlg", "penguins.csv", "species", ["lr"]),
    ("penguins_forest.mlg", "penguins.csv", "species", ["forest", "boosted", "stump"]),
    ("penguins_ensemble.mlg", "penguins.csv", "species", ["vote", "stack"]),
    ("diabetes.mlg", "diabetes.csv", "target", ["linear", "ridge"]),
    ("breast_cancer_blending.mlg", "breast_cancer.csv", "target", ["svm", "blend"]),
    ("breast_cancer_compress.mlg", "breast_cancer.csv", "target", ["mlp", "mlp_int8", "mlp_lowrank", "rf_int8"]),
    ("compress_distill.mlg", "breast_cancer.csv", "target", ["student"]),
]


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stderr}")
    return p.stdout


def encode(frame, columns):
    """The row ABI from the CSV frame: `name` or `name=level|level|...`."""
    out = np.empty((len(frame), len(columns)), dtype=np.float32)
    for j, spec in enumerate(columns):
        name, _, levels = spec.partition("=")
        col = frame[name]
        if levels:
            index = {lv: k for k, lv in enumerate(levels.split("|"))}
            out[:, j] = [np.nan if pd.isna(v) else index.get(str(v), -1) for v in col]
        else:
            out[:, j] = pd.to_numeric(col, errors="coerce").astype(np.float32)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mlg", default=os.path.join(ROOT, "target", "release", "mlg"))
    a = ap.parse_args()
    worst, failures = 0.0, 0
    with tempfile.TemporaryDirectory() as work:
        os.symlink(os.path.join(ROOT, "examples", "data"), os.path.join(work, "data"))
        for example, data, target, models in CASES:
            source = open(os.path.join(ROOT, "examples", example)).read()
            source = "\n".join(l for l in source.splitlines() if not l.startswith(("deploy", "evaluate", "  with", "  metrics")))
            source += "\n" + "\n".join(f'deploy {m} to "{m}.mlgc"' for m in models) + "\n"
            flow = os.path.join(work, example)
            open(flow, "w").write(source)
            run([a.mlg, "run", flow, "--quiet", "--no-importance"], work)
            frame = pd.read_csv(os.path.join(ROOT, "examples", "data", data))
            rows_csv = os.path.join(work, "rows.csv")
            frame.drop(columns=[target]).to_csv(rows_csv, index=False)
            for m in models:
                proba = [] if example == "diabetes.mlg" else ["--proba"]
                run([a.mlg, "predict", f"{m}.mlgc", "--input", rows_csv, "--output", f"{m}.csv"] + proba, work)
                want = pd.read_csv(os.path.join(work, f"{m}.csv"))
                for form, flag in (("standard", []), ("ai.onnx.ml", ["--tree-ensemble"])):
                    path = os.path.join(work, f"{m}.onnx")
                    run([a.mlg, "export", f"{m}.mlgc", "--onnx", path] + flag, work)
                    model = onnx.load(path)
                    meta = {p.key: p.value for p in model.metadata_props}
                    x = encode(frame, meta["mlg.columns"].split(","))
                    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
                    got = dict(zip([o.name for o in session.get_outputs()], session.run(None, {"input": x})))
                    if "proba" in got:
                        classes = meta["mlg.classes"].split(",")
                        expect = want[[f"proba_{c}" for c in classes]].to_numpy()
                        diff = float(np.nanmax(np.abs(got["proba"] - expect)))
                        labels = [classes[int(k)] for k in got["class"][:, 0]]
                        same = all(str(p) == str(q) for p, q in zip(labels, want["prediction"]))
                    else:
                        diff = float(np.nanmax(np.abs(got["prediction"][:, 0] - want["prediction"].to_numpy())
                                               / np.maximum(1.0, np.abs(want["prediction"].to_numpy()))))
                        same = True
                    ok = diff <= 1e-5 and same
                    worst = max(worst, diff)
                    failures += not ok
                    print(f"{'ok  ' if ok else 'FAIL'} {example:28} {m:12} {form:10} max |d| {diff:.2e}"
                          f"{'' if same else '  classes differ'}")
    print(f"onnxruntime {ort.__version__}: worst difference {worst:.2e}, {failures} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
