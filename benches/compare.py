#!/usr/bin/env python3
"""mlg against the anchors on equal work, in one invocation.

Every comparison runs both tools here, now, on the same CSV files, with the
same number of threads, and reports the same statistic: the median of RUNS
runs, with the min and the max. Scopes, named beside every figure:

  ingest   file -> typed columns in memory (mlg's reader vs pandas and polars
           read_csv, and read_parquet for the training set as Parquet)
  fit      CSV file -> fitted model (mlg: `mlg run` of a one-model flow,
           process wall time, which includes compiling and writing the
           artifact; Python: read_csv + fit, timed inside the process, so the
           interpreter's start and imports are not counted)
  predict  CSV file -> CSV file of predicted labels (mlg: `mlg predict`,
           process wall time; Python: read_csv + predict + to_csv, timed inside),
           and the logistic model's labels to a Parquet file (to_parquet)
  function the prediction function alone on the 200,000 test rows already in
           memory as float32 (mlg: `mlg bench`, the compiled function on
           encoded rows; the others: predict_proba / session.run /
           predict), rows/s as the best pass within 0.7 s, and one row in,
           one prediction out (median latency of repeated calls, 1 thread)

Peak memory is each process's maximum resident set (GNU time's %M). The data
is make_classification / make_regression with the parameters of the
project's reference set (1,000,000 rows x 20 features, '%.7g'; the first
800,000 rows train, the last 200,000 test), generated into --data unless
there already. Nothing generated is committed.

Usage: python3 benches/compare.py [--runs 5] [--threads 2] [--data DIR]
       [--out benches/results/compare.json]
Needs: cargo, GNU time (/usr/bin/time), python3 with scikit-learn, pandas,
lightgbm; polars, skl2onnx + onnxruntime, lleaves (with llvmlite < 0.44) and tl2cgen + treelite
where installed (each is skipped when missing).
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MLG = os.path.join(ROOT, "target", "release", "mlg")
INGEST = os.path.join(ROOT, "target", "release", "examples", "ingest")


def generate(data):
    """The reference data set's train and test files (classification and regression)."""
    os.makedirs(data, exist_ok=True)
    files = {k: os.path.join(data, f"{k}.csv") for k in ("clf_train", "clf_test", "reg_train", "clf_40k")}
    if all(os.path.exists(p) for p in files.values()):
        return files
    import numpy as np
    import pandas as pd
    from sklearn.datasets import make_classification, make_regression

    def write(X, y, path, rows):
        df = pd.DataFrame(X[rows].astype(np.float64), columns=[f"f{i}" for i in range(X.shape[1])])
        df["target"] = y[rows]
        df.to_csv(path, index=False, float_format="%.7g", lineterminator="\n")

    X, y = make_classification(n_samples=1_000_000, n_features=20, n_informative=10, n_redundant=5,
                               n_repeated=0, n_classes=2, n_clusters_per_class=2, flip_y=0.01,
                               class_sep=1.0, shuffle=True, random_state=0)
    write(X, y.astype(np.int64), files["clf_train"], slice(0, 800_000))
    write(X, y.astype(np.int64), files["clf_test"], slice(800_000, None))
    write(X, y.astype(np.int64), files["clf_40k"], slice(0, 40_000))
    X, y = make_regression(n_samples=1_000_000, n_features=20, n_informative=10, noise=10.0,
                           shuffle=True, random_state=0)
    write(X, y, files["reg_train"], slice(0, 800_000))
    return files


def timed(cmd, env, cwd=None):
    """Runs `cmd` under GNU time: (wall seconds, peak RSS in MB, stdout). The wall
    time is taken here around the process (GNU time's own %e has 10 ms steps,
    too coarse for a 0.09 s run); the peak RSS is GNU time's %M."""
    with tempfile.NamedTemporaryFile("r") as t:
        start = time.perf_counter()
        out = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", t.name] + cmd, env=env, cwd=cwd,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - start
        if out.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr[-2000:]}")
        kb = t.read().split()[-1]
    return wall, int(kb) / 1024, out.stdout


def summary(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "runs": len(samples)}


def repeat(runs, once):
    """`once()` gives (seconds, peak MB, extra); the summaries over `runs` runs."""
    seconds, peaks, extra = [], [], None
    for _ in range(runs):
        s, mb, extra = once()
        seconds.append(s)
        peaks.append(mb)
    return {"seconds": summary(seconds), "peak_mb": max(peaks), **({"extra": extra} if extra else {})}


def python(code, env):
    """A Python snippet that prints {"seconds": ..., ...}; its own timing, peak RSS of its process."""
    _, mb, out = timed([sys.executable, "-c", code], env)
    result = json.loads(out.strip().splitlines()[-1])
    return result.pop("seconds"), mb, result or None


def mlg(args, env, cwd=None):
    wall, mb, _ = timed([MLG] + args, env, cwd)
    return wall, mb, None


FLOWS = {
    "logistic": ('data d = csv("{train}", target = "target")\n'
                 'features s = d -> standardize(numeric)\n'
                 'model m = logistic_regression(s)\n'),
    "linear": ('data d = csv("{train}", target = "target")\n'
               'model m = linear_regression(d)\n'),
    "boosting": ('data d = csv("{train}", target = "target")\n'
                 'model m = gradient_boosting_classifier(d, rounds = 100)\n'),
    "forest": ('data d = csv("{train}", target = "target")\n'
               'model m = random_forest_classifier(d, trees = 100, max_depth = 10, seed = 0)\n'),
}

SKLEARN = {
    "logistic": ("from sklearn.pipeline import make_pipeline\n"
                 "from sklearn.preprocessing import StandardScaler\n"
                 "from sklearn.linear_model import LogisticRegression\n"
                 "m = make_pipeline(StandardScaler(), LogisticRegression())"),
    "linear": "from sklearn.linear_model import LinearRegression\nm = LinearRegression()",
    "boosting": ("from sklearn.ensemble import HistGradientBoostingClassifier\n"
                 "m = HistGradientBoostingClassifier(max_iter=100)"),
    "forest": ("from sklearn.ensemble import RandomForestClassifier\n"
               "m = RandomForestClassifier(n_estimators=100, max_depth=10, n_jobs={threads}, random_state=0)"),
    "lightgbm": ("import lightgbm\n"
                 "m = lightgbm.LGBMClassifier(n_estimators=100, num_threads={threads}, verbose=-1)"),
    # A histogram forest like mlg's above 20,000 rows: bagged rows, sqrt(20)/20 of the
    # features per tree, depth 10.
    "lightgbm_rf": ("import lightgbm\n"
                    "m = lightgbm.LGBMClassifier(boosting_type='rf', n_estimators=100, max_depth=10,\n"
                    "    num_leaves=1024, bagging_freq=1, bagging_fraction=0.632, feature_fraction=0.25,\n"
                    "    num_threads={threads}, verbose=-1)"),
}

FIT = """
import time, json, pickle, pandas as pd
{model}
t = time.perf_counter()
df = pd.read_csv({train!r})
X, y = df.drop(columns="target").to_numpy(), df["target"].to_numpy()
m.fit(X, y)
seconds = time.perf_counter() - t
extra = {{}}
if {test!r}:
    test = pd.read_csv({test!r})
    extra["accuracy"] = float((m.predict(test.drop(columns="target").to_numpy()) == test["target"].to_numpy()).mean())
if {save!r}:
    pickle.dump(m, open({save!r}, "wb"))
print(json.dumps({{"seconds": seconds, **extra}}))
"""

PREDICT = """
import time, json, pickle, pandas as pd
m = pickle.load(open({model!r}, "rb"))
t = time.perf_counter()
df = pd.read_csv({test!r})
pd.DataFrame({{"prediction": m.predict(df[[f"f{{i}}" for i in range(20)]].to_numpy())}}).{write}({out!r}, index=False)
print(json.dumps({{"seconds": time.perf_counter() - t}}))
"""


FUNCTION = """
import time, json, pickle, numpy as np, pandas as pd
THREADS = {threads}
X = pd.read_csv({test!r})[[f"f{{i}}" for i in range(20)]].to_numpy(dtype=np.float32)

def best(f, seconds=0.7):
    start, fastest = time.perf_counter(), float("inf")
    while True:
        t = time.perf_counter()
        f()
        fastest = min(fastest, time.perf_counter() - t)
        if time.perf_counter() - start > seconds:
            return fastest

def latency(f, calls=2000):
    times = []
    for i in range(calls):
        r = X[i:i + 1]
        t = time.perf_counter()
        f(r)
        times.append(time.perf_counter() - t)
    return float(np.median(times) * 1e6)

m = pickle.load(open({model!r}, "rb"))
"""

# Per tool: the code that sets `batch` (rows -> outputs) and `one`, then prints.
REPORT = """
rows_per_s = len(X) / best(lambda: batch(X))
print(json.dumps({"rows_per_s": rows_per_s, "latency_us": latency(one)}))
"""


def python_function_tools(name, work, threads, env):
    """The Python tools of the function scope for model `name`, each as code after FUNCTION."""
    tools = {"scikit-learn": ("batch = m.predict_proba\n"
                              "single = pickle.load(open(%r, 'rb'))\n"
                              "for est in [single] + [s for _, s in getattr(single, 'steps', [])]:\n"
                              "    if hasattr(est, 'n_jobs'): est.n_jobs = 1\n"
                              "one = single.predict_proba\n" % os.path.join(work, f"{name}.pkl")) + REPORT}
    try:
        import pickle
        import numpy as np
        import onnxruntime  # noqa: F401
        from skl2onnx import to_onnx
        m = pickle.load(open(os.path.join(work, f"{name}.pkl"), "rb"))
        final = m.steps[-1][1] if hasattr(m, "steps") else m
        # Converted here first: a model skl2onnx cannot convert is left out.
        to_onnx(m, np.zeros((1, 20), dtype=np.float32), options={id(final): {"zipmap": False}})
        tools["onnxruntime"] = ("import onnxruntime as ort\n"
                                "from skl2onnx import to_onnx\n"
                                "final = m.steps[-1][1] if hasattr(m, 'steps') else m\n"
                                "onx = to_onnx(m, X[:1], options={id(final): {'zipmap': False}})\n"
                                "def session(n):\n"
                                "    o = ort.SessionOptions(); o.intra_op_num_threads = n; o.inter_op_num_threads = 1\n"
                                "    s = ort.InferenceSession(onx.SerializeToString(), o, providers=['CPUExecutionProvider'])\n"
                                "    return lambda x: s.run(None, {s.get_inputs()[0].name: x})\n"
                                "batch, one = session(THREADS), session(1)\n") + REPORT
    except Exception as e:  # noqa: BLE001 - a missing package or an unconvertible model
        print(f"onnxruntime left out for {name}: {type(e).__name__}", flush=True)
    if name == "boosting":
        try:
            import lleaves  # noqa: F401
            text = os.path.join(work, "lightgbm.txt")
            cache = os.path.join(work, "lightgbm.so")
            if not os.path.exists(cache):
                # Raises CalledProcessError where lleaves cannot compile (an llvmlite it does not know).
                subprocess.run([sys.executable, "-c",
                                "import pickle, lleaves\n"
                                f"m = pickle.load(open({os.path.join(work, 'lightgbm.pkl')!r}, 'rb'))\n"
                                f"m.booster_.save_model({text!r})\n"
                                f"lleaves.Model(model_file={text!r}).compile(cache={cache!r})\n"],
                               env=env, check=True, capture_output=True)
            tools["lleaves (LightGBM)"] = ("import lleaves\n"
                                          f"lm = lleaves.Model(model_file={text!r})\n"
                                          f"lm.compile(cache={cache!r})\n"
                                          "X = X.astype(np.float64)\n"
                                          "batch = lambda x: lm.predict(x, n_jobs=THREADS)\n"
                                          "one = lambda x: lm.predict(x.astype(np.float64), n_jobs=1)\n") + REPORT
        except (ImportError, subprocess.CalledProcessError) as e:
            print(f"lleaves left out: {type(e).__name__}", flush=True)
    if name == "forest":
        try:
            import tl2cgen  # noqa: F401
            import treelite  # noqa: F401
            lib = os.path.join(work, "forest_tl2cgen.so")
            if not os.path.exists(lib):
                subprocess.run([sys.executable, "-c",
                                "import pickle, treelite, tl2cgen\n"
                                f"m = pickle.load(open({os.path.join(work, 'forest.pkl')!r}, 'rb'))\n"
                                "model = treelite.sklearn.import_model(m)\n"
                                f"tl2cgen.export_lib(model, toolchain='gcc', libpath={lib!r}, "
                                f"params={{'parallel_comp': {threads}}})\n"],
                               env=env, check=True)
            tools["tl2cgen (Treelite)"] = ("import tl2cgen\n"
                                          f"p = tl2cgen.Predictor({lib!r}, nthread=THREADS)\n"
                                          f"p1 = tl2cgen.Predictor({lib!r}, nthread=1)\n"
                                          "batch = lambda x: p.predict(tl2cgen.DMatrix(x))\n"
                                          "one = lambda x: p1.predict(tl2cgen.DMatrix(x))\n") + REPORT
        except ImportError:
            pass
    return tools


def python_function(code, env):
    _, _, out = timed([sys.executable, "-c", code], env)
    return json.loads(out.strip().splitlines()[-1])


def mlg_function(artifact, test, env):
    _, _, out = timed([MLG, "bench", artifact, "--input", test, "--json"], env)
    report = json.loads(out)
    return {"rows_per_s": report["cranelift_all_threads_rows_per_s"], "latency_us": report["latency_median_us"]}


def function_runs(runs, once):
    """Medians (with min-max) over `runs` processes of the best pass and the latency."""
    samples = [once() for _ in range(runs)]
    return {key: summary([s[key] for s in samples]) for key in ("rows_per_s", "latency_us")}


def accuracy(predictions, test):
    import pandas as pd
    p = pd.read_csv(predictions)["prediction"].to_numpy()
    return float((p == pd.read_csv(test)["target"].to_numpy()).mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--fit-runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "mlg-compare"))
    ap.add_argument("--out", default=os.path.join(ROOT, "benches", "results", "compare.json"))
    a = ap.parse_args()
    t = str(a.threads)
    env = dict(os.environ, RAYON_NUM_THREADS=t, OMP_NUM_THREADS=t, POLARS_MAX_THREADS=t,
               OPENBLAS_NUM_THREADS=t, MKL_NUM_THREADS=t)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mlg"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "mlg-runtime", "--example", "ingest"],
                   cwd=ROOT, check=True)
    files = generate(a.data)
    work = tempfile.mkdtemp(prefix="mlg-compare-")
    results = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "machine": platform.machine(),
               "cpus": os.cpu_count(), "threads": a.threads, "runs": a.runs, "fit_runs": a.fit_runs,
               "command": "python3 benches/compare.py " + " ".join(sys.argv[1:]), "ingest": {}, "fit": {},
               "predict": {}, "function": {}}
    import pandas, sklearn, lightgbm
    results["versions"] = {"pandas": pandas.__version__, "scikit-learn": sklearn.__version__,
                           "lightgbm": lightgbm.__version__}
    try:
        import polars
        results["versions"]["polars"] = polars.__version__
    except ImportError:
        polars = None

    # Ingest: file -> typed columns in memory (CSV, and the training set as
    # Parquet in row groups of 100,000 rows; pyarrow's pool gets the same threads).
    parquet = os.path.join(a.data, "clf_train.parquet")
    if not os.path.exists(parquet):
        import pyarrow.csv, pyarrow.parquet
        pyarrow.parquet.write_table(pyarrow.csv.read_csv(files["clf_train"]), parquet, row_group_size=100_000)
    for key, path in (("clf_test", files["clf_test"]), ("clf_train", files["clf_train"]),
                      ("clf_train.parquet", parquet)):
        read = "read_parquet" if path.endswith(".parquet") else "read_csv"
        row = {"bytes": os.path.getsize(path)}
        row["mlg"] = repeat(a.runs, lambda: (lambda w: (json.loads(w[2])["median_s"], w[1], None))(
            timed([INGEST, path, "1"], env)))
        row["pandas"] = repeat(a.runs, lambda: python(
            f"import time, json, pandas as pd, pyarrow\npyarrow.set_cpu_count({a.threads})\n"
            f"t = time.perf_counter()\npd.{read}({path!r})\n"
            "print(json.dumps({'seconds': time.perf_counter() - t}))", env))
        if polars:
            row["polars"] = repeat(a.runs, lambda: python(
                f"import time, json, polars as pl\nt = time.perf_counter()\npl.{read}({path!r})\n"
                "print(json.dumps({'seconds': time.perf_counter() - t}))", env))
        results["ingest"][key] = row
        print(key, json.dumps(row), flush=True)

    # Fit: CSV -> fitted model, plus the models the predict scope uses.
    fits = [("logistic", "clf_train", "clf_test"), ("linear", "reg_train", None),
            ("boosting", "clf_train", "clf_test"), ("forest", "clf_40k", "clf_test")]
    for name, train, test in fits:
        flow = os.path.join(work, f"{name}.mlg")
        artifact = os.path.join(work, f"{name}.mlgc")
        with open(flow, "w") as f:
            f.write(FLOWS[name].format(train=files[train]) + f'deploy m to "{artifact}"\n')
        runs = 1 if name == "forest" else a.fit_runs
        row = {"train": train, "mlg": repeat(runs, lambda: mlg(["run", flow], env))}
        pickled = os.path.join(work, f"{name}.pkl")
        code = FIT.format(model=SKLEARN[name].format(threads=a.threads), train=files[train],
                          test=files[test] if test else "", save=pickled)
        row["scikit-learn"] = repeat(runs, lambda: python(code, env))
        if name in ("boosting", "forest"):
            key = "lightgbm" if name == "boosting" else "lightgbm_rf"
            code = FIT.format(model=SKLEARN[key].format(threads=a.threads), train=files[train],
                              test=files[test], save=os.path.join(work, f"{key}.pkl"))
            row["lightgbm"] = repeat(runs, lambda: python(code, env))
        if test:
            out = os.path.join(work, f"{name}.csv")
            subprocess.run([MLG, "predict", artifact, "--input", files[test], "--output", out], env=env, check=True)
            row["mlg"]["extra"] = {"accuracy": accuracy(out, files[test])}
        results["fit"][name] = row
        print(name, json.dumps(row), flush=True)

    # Predict: CSV -> CSV of labels (and the logistic model's labels to Parquet).
    for name, ext in (("logistic", "csv"), ("forest", "csv"), ("boosting", "csv"), ("logistic", "parquet")):
        artifact = os.path.join(work, f"{name}.mlgc")
        out = os.path.join(work, f"{name}-pred.{ext}")
        row = {"mlg": repeat(a.runs, lambda: mlg(["predict", artifact, "--input", files["clf_test"], "--output", out],
                                                 env))}
        code = PREDICT.format(model=os.path.join(work, f"{name}.pkl"), test=files["clf_test"], out=out,
                              write="to_parquet" if ext == "parquet" else "to_csv")
        row["scikit-learn"] = repeat(a.runs, lambda: python(code, env))
        key = name if ext == "csv" else f"{name} → {ext}"
        results["predict"][key] = row
        print(key, json.dumps(row), flush=True)

    # The function alone, on rows in memory.
    for name in ("logistic", "forest", "boosting"):
        artifact = os.path.join(work, f"{name}.mlgc")
        row = {"mlg": function_runs(a.runs, lambda: mlg_function(artifact, files["clf_test"], env))}
        code = FUNCTION.format(model=os.path.join(work, f"{name}.pkl"), test=files["clf_test"],
                               threads=a.threads)
        for tool, extra in python_function_tools(name, work, a.threads, env).items():
            row[tool] = function_runs(a.runs, lambda: python_function(code + extra, env))
        results["function"][name] = row
        print(name, json.dumps(row), flush=True)

    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(results, f, indent=1)
    with open(os.path.splitext(a.out)[0] + ".md", "w") as f:
        f.write(markdown(results))
    print(markdown(results))


def cell(r):
    s = r["seconds"]
    return f"{s['median']:.3f} s ({s['min']:.3f}–{s['max']:.3f}), {r['peak_mb']:.0f} MB"


def markdown(r):
    lines = [f"Measured {r['date']} by `{r['command']}`: {r['threads']} threads, median of "
             f"{r['runs']} runs (fits: {r['fit_runs']}; the forest: 1) with min–max, peak RSS.", ""]
    lines += ["### Ingest: file → typed columns in memory", "",
              "| file | mlg | pandas | polars | mlg MB/s | mlg vs pandas | mlg vs polars |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for key, row in r["ingest"].items():
        m = row["mlg"]["seconds"]["median"]
        pl = row.get("polars")
        lines.append(f"| {key} ({row['bytes'] / 1e6:.0f} MB) | {cell(row['mlg'])} | {cell(row['pandas'])} | "
                     f"{cell(pl) if pl else '–'} | {row['bytes'] / 1e6 / m:.0f} | "
                     f"{row['pandas']['seconds']['median'] / m:.2f}× | "
                     f"{(pl['seconds']['median'] / m) if pl else float('nan'):.2f}× |")
    lines += ["", "### Fit: CSV → fitted model", "",
              "| model | rows | mlg (`mlg run`, process) | scikit-learn (read_csv + fit) | LightGBM (boosting; `rf` for the forest) | mlg / scikit-learn | test accuracy (mlg; sklearn; LightGBM) |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, row in r["fit"].items():
        lg = row.get("lightgbm")
        acc = "; ".join(f"{x['extra']['accuracy']:.4f}" for x in (row["mlg"], row["scikit-learn"], lg)
                        if x and x.get("extra"))
        lines.append(f"| {name} | {row['train']} | {cell(row['mlg'])} | {cell(row['scikit-learn'])} | "
                     f"{cell(lg) if lg else '–'} | "
                     f"{row['mlg']['seconds']['median'] / row['scikit-learn']['seconds']['median']:.2f} | {acc or '–'} |")
    lines += ["", "### Predict: CSV → CSV of labels, 200,000 rows", "",
              "| model | mlg (`mlg predict`, process) | pandas + scikit-learn + to_csv (to_parquet) | speed-up |",
              "| --- | --- | --- | --- |"]
    for name, row in r["predict"].items():
        lines.append(f"| {name} | {cell(row['mlg'])} | {cell(row['scikit-learn'])} | "
                     f"{row['scikit-learn']['seconds']['median'] / row['mlg']['seconds']['median']:.2f}× |")
    if r.get("function"):
        lines += ["", "### Function: 200,000 float32 rows in memory", "",
                  "| model | tool | rows/s (best pass; median of runs, min–max) | one row (median µs) |",
                  "| --- | --- | --- | --- |"]
        for name, row in r["function"].items():
            for tool, f in row.items():
                rps, lat = f["rows_per_s"], f["latency_us"]
                lines.append(f"| {name} | {tool} | {rps['median'] / 1e6:.2f} M ({rps['min'] / 1e6:.2f}–"
                             f"{rps['max'] / 1e6:.2f}) | {lat['median']:.1f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
