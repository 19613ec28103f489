#!/usr/bin/env python3
"""mlg running an imported LightGBM model against LightGBM itself, lleaves,
Treelite/tl2cgen and ONNX Runtime, in one invocation, on the same model and
the same rows.

The model is the project's benchmark model (`bench()` of
scripts/lightgbm_fixtures.py: binary, 500 trees of 31 leaves, 20 features
f0..f19, trained on make_classification(n_samples=100_000, n_features=20,
n_informative=12, random_state=7) with float32-exact features). The rows are
100,000 others from a separate draw of make_classification with the same
parameters but random_state=8, as float32, written once as ROWS.csv ('%.9g',
so every float32 value round-trips) and ROWS.npy. benches/data is not
ignored by git, so the model is written to --data (lightgbm_bench.txt there)
unless benches/data/lightgbm_bench.txt already exists (written by
`scripts/lightgbm_fixtures.py --bench`) or benches/data becomes ignored.
Nothing this script writes is committed; the results go to --out (JSON) and
the same name with .md (markdown).

Every figure is the median of RUNS runs (compile times: --compile-runs,
default min(RUNS, 3), as lleaves and tl2cgen take 10-30 s per compile), with
the min and the max; every Python tool runs in a fresh process with its
own timing code, and the runs are interleaved across tools (run 1 of every
tool, then run 2, ...) so that a noisy neighbour spreads over all of them.
Scopes:

  function  rows/s of the prediction function on the 100,000 rows in memory,
            for each --threads count: the best pass within 0.7 s (mlg:
            `mlg bench ART --input ROWS.csv --json` with RAYON_NUM_THREADS=t,
            which encodes the rows to float32 once and times the compiled
            function on that buffer, its `cranelift_1_thread_rows_per_s` for
            t=1 and `cranelift_all_threads_rows_per_s` above; LightGBM:
            Booster.predict(X, num_threads=t); lleaves: Model.predict(X,
            n_jobs=t) on a float64 copy of X made once outside the timed region,
            as lleaves computes in float64; tl2cgen: Predictor(lib,
            nthread=t).predict(DMatrix(X)), the DMatrix built inside the timed
            region; ONNX Runtime: the onnxmltools conversion run with
            intra_op_num_threads=t on float32 X)
  latency   one row in, one prediction out, 1 thread: the median time of a
            call (mlg: `mlg bench`'s latency_median_us, the median of 20,000
            calls of the compiled function from Rust; the Python tools: the
            median of 2,000 calls from Python, so their figure includes the
            Python call and the tool's per-call set-up)
  compile   model file -> something that predicts, 1 process: mlg's
            `mlg import` (parse + optimize + write the artifact; process wall
            time) and its Cranelift compile (`compile_ms` of `mlg bench`, the
            median of its 5 compiles), reported apart and summed; lleaves:
            Model(model_file) + compile() with no cache to hit (each run compiles
            anew, writing its object file to a fresh path; the first is the
            library the other scopes load); tl2cgen:
            treelite.frontend.load_lightgbm_model + tl2cgen.export_lib(gcc,
            parallel_comp=2: two translation units compiled side by side);
            ONNX Runtime: onnxmltools.convert_lightgbm + InferenceSession;
            LightGBM: Booster(model_file) (it interprets: loading is all)
  e2e       ROWS.csv -> CSV of prediction, proba_0, proba_1 on max(--threads)
            threads (mlg: `mlg predict ART --input ROWS.csv --output OUT.csv
            --proba`, process wall time, which includes loading and compiling
            the artifact; the Python tools: pd.read_csv + predict + to_csv of
            the same three columns, timed inside the process, the model loaded
            (lleaves: from its compiled library) before the clock starts), with
            each process's peak resident memory (GNU time's %M)
  agreement max |p - p_LightGBM| over the 100,000 rows, p the probability of
            class 1: LightGBM's own Booster.predict is the reference; mlg's p is
            the proba_1 column of `mlg predict`'s output, the others' their
            function-scope output (and, in the e2e table, each tool's CSV)

A tool that is not installed, or that fails, is left out with a printed note
(and a line in the results); the rest go on.

lleaves 1.3 calls llvmlite.binding.PassManagerBuilder, which llvmlite 0.44
removed. Where the interpreter has a newer llvmlite, install an older one
beside it and point --lleaves-path at it; it is put first on PYTHONPATH for
the lleaves processes only:

    python -m pip install --no-deps --target /tmp/llvmlite043 'llvmlite==0.43.0'

Usage: python benches/import_lightgbm.py [--runs 5] [--compile-runs 3]
       [--threads 1,2] [--data /tmp/mlg-import-bench] [--lleaves-path DIR]
       [--build] [--out benches/results/import_lightgbm.json]
Needs: target/release/mlg (built with cargo when missing, or with --build),
python with numpy, pandas, scikit-learn and lightgbm; lleaves, treelite +
tl2cgen (and gcc), onnxmltools + onnxruntime where installed; GNU time
(/usr/bin/time) for peak memory (left out without it).
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MLG = os.path.join(ROOT, "target", "release", "mlg")
REPO_MODEL = os.path.join(ROOT, "benches", "data", "lightgbm_bench.txt")
GNU_TIME = "/usr/bin/time"
N_ROWS, N_FEATURES, ROWS_SEED = 100_000, 20, 8
COLUMNS = [f"f{i}" for i in range(N_FEATURES)]
FIXTURE_PARAMS = {"verbose": -1, "seed": 0, "num_threads": 1, "deterministic": True}
TIMEOUT_S = 900
TOOLS = ["mlg", "LightGBM", "lleaves", "tl2cgen", "ONNX Runtime"]


class Failed(Exception):
    pass


def timed(cmd, env, timeout=TIMEOUT_S):
    """Runs `cmd`: (wall seconds measured here around the process, peak RSS in MB
    from GNU time's %M or None, stdout). Raises Failed with the end of stderr when
    it fails or runs past `timeout` (its process group is then killed)."""
    with tempfile.NamedTemporaryFile("r", prefix="mlg-time-") as t:
        full = ([GNU_TIME, "-f", "%M", "-o", t.name] if os.path.exists(GNU_TIME) else []) + cmd
        start = time.perf_counter()
        proc = subprocess.Popen(full, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise Failed(f"ran past {timeout} s")
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            tail = [line for line in err.strip().splitlines() if line.strip()][-3:]
            raise Failed(f"exit {proc.returncode}: " + " | ".join(tail)[-600:])
        peak = None
        if full[0] == GNU_TIME:
            words = t.read().split()
            peak = int(words[-1]) / 1024 if words and words[-1].isdigit() else None
    return wall, peak, out


def summary(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "runs": len(samples)}


def python(code, params, env):
    """A snippet run as `python -c code PARAMS_JSON` that prints one JSON line last:
    (that object, peak MB of its process)."""
    _, mb, out = timed([sys.executable, "-c", code, json.dumps(params)], env)
    lines = out.strip().splitlines()
    if not lines:
        raise Failed("printed nothing")
    return json.loads(lines[-1]), mb


# ---------------------------------------------------------------- snippets

HEAD = r'''
import json, sys, time
import numpy as np
P = json.loads(sys.argv[1])
THREADS = P["threads"]
'''

# Per tool: `setup` (untimed: defines batch(x) for the function scope, one(x) for a
# single row, proba1(out) -> float64 P(class 1) per row) and the e2e dtype.
SETUP = {
    "LightGBM": ('''
import lightgbm as lgb
b = lgb.Booster(model_file=P["model"])
batch = lambda x: b.predict(x, num_threads=THREADS)
one = lambda x: b.predict(x, num_threads=1)
proba1 = lambda q: np.asarray(q, dtype=np.float64).reshape(-1)
''', "float64"),
    "lleaves": ('''
import lleaves
m = lleaves.Model(model_file=P["model"])
m.compile(cache=P["lleaves_lib"])
batch = lambda x: m.predict(x, n_jobs=THREADS)
one = lambda x: m.predict(x, n_jobs=1)
proba1 = lambda q: np.asarray(q, dtype=np.float64).reshape(-1)
''', "float64"),
    "tl2cgen": ('''
import tl2cgen
p = tl2cgen.Predictor(P["tl2cgen_lib"], nthread=THREADS)
p1 = tl2cgen.Predictor(P["tl2cgen_lib"], nthread=1)
batch = lambda x: p.predict(tl2cgen.DMatrix(x))
one = lambda x: p1.predict(tl2cgen.DMatrix(x))
proba1 = lambda q: np.asarray(q, dtype=np.float64).reshape(q.shape[0], -1)[:, -1]
''', "float64"),
    "ONNX Runtime": ('''
import onnxruntime as ort
def session(n):
    o = ort.SessionOptions()
    o.intra_op_num_threads, o.inter_op_num_threads, o.log_severity_level = n, 1, 3
    s = ort.InferenceSession(P["onnx"], o, providers=["CPUExecutionProvider"])
    name = s.get_inputs()[0].name
    outs = [o.name for o in s.get_outputs()]
    prob = [k for k in outs if "prob" in k.lower()] or outs[-1:]
    return lambda x: s.run(prob, {name: x})[0]
batch, one = session(THREADS), session(1)
proba1 = lambda q: np.asarray(q, dtype=np.float64).reshape(q.shape[0], -1)[:, -1]
''', "float32"),
}

FUNCTION = r'''
X = np.load(P["rows_npy"])
if P["float64"]:
    X = X.astype(np.float64)  # lleaves computes in float64: converted once, not timed

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

out = {"rows_per_s": len(X) / best(lambda: batch(X))}
if P["latency"]:
    out["latency_us"] = latency(one)
if P["save"]:
    np.save(P["save"], proba1(batch(X)))
print(json.dumps(out))
'''

E2E = r'''
import pandas as pd
t = time.perf_counter()
df = pd.read_csv(P["rows_csv"])
x = df[P["columns"]].to_numpy(dtype=P["dtype"])
p = proba1(batch(x))
pd.DataFrame({"prediction": (p > 0.5).astype(np.int64), "proba_0": 1.0 - p, "proba_1": p}).to_csv(
    P["out"], index=False)
print(json.dumps({"seconds": time.perf_counter() - t}))
'''

COMPILE = {
    "LightGBM": '''
import lightgbm as lgb
t = time.perf_counter()
lgb.Booster(model_file=P["model"])
print(json.dumps({"seconds": time.perf_counter() - t}))
''',
    "lleaves": '''
import lleaves
t = time.perf_counter()
m = lleaves.Model(model_file=P["model"])
m.compile(cache=P["out"])  # a path not there yet: compiles, then writes the object file there
print(json.dumps({"seconds": time.perf_counter() - t}))
''',
    "tl2cgen": '''
import treelite, tl2cgen
t = time.perf_counter()
model = treelite.frontend.load_lightgbm_model(P["model"])
tl2cgen.export_lib(model, toolchain="gcc", libpath=P["out"], params={"parallel_comp": 2})
print(json.dumps({"seconds": time.perf_counter() - t}))
''',
    "ONNX Runtime": '''
import lightgbm as lgb, onnxmltools, onnxruntime as ort
from onnxmltools.convert.common.data_types import FloatTensorType
t = time.perf_counter()
onx = onnxmltools.convert_lightgbm(lgb.Booster(model_file=P["model"]),
                                   initial_types=[("input", FloatTensorType([None, P["features"]]))], zipmap=False)
o = ort.SessionOptions()
o.intra_op_num_threads, o.inter_op_num_threads, o.log_severity_level = 1, 1, 3
ort.InferenceSession(onx.SerializeToString(), o, providers=["CPUExecutionProvider"])
seconds = time.perf_counter() - t
open(P["out"], "wb").write(onx.SerializeToString())
print(json.dumps({"seconds": seconds}))
''',
}

PROBE = r'''
import importlib, importlib.metadata as md, json, sys
out, missing = {}, []
for module, dist in json.loads(sys.argv[1]):
    try:
        m = importlib.import_module(module)
        out[dist] = getattr(m, "__version__", None) or md.version(dist)
    except Exception as e:
        missing.append(f"{module}: {type(e).__name__}: {e}")
print(json.dumps({"versions": out, "missing": missing}))
'''

NEEDS = {
    "LightGBM": [("lightgbm", "lightgbm")],
    "lleaves": [("lleaves", "lleaves"), ("llvmlite", "llvmlite")],
    "tl2cgen": [("treelite", "treelite"), ("tl2cgen", "tl2cgen")],
    "ONNX Runtime": [("onnxmltools", "onnxmltools"), ("onnxruntime", "onnxruntime"), ("onnx", "onnx"),
                     ("lightgbm", "lightgbm")],
}


# ---------------------------------------------------------------- set-up

def git(*args):
    try:
        out = subprocess.run(["git", "--no-optional-locks", *args], cwd=ROOT, capture_output=True, text=True)
        return out.returncode, out.stdout.strip()
    except OSError:
        return 1, ""


def model_file(data):
    """The benchmark model's path, trained by scripts/lightgbm_fixtures.py's bench()
    when missing (into --data while benches/data is not ignored by git)."""
    if os.path.exists(REPO_MODEL):
        return REPO_MODEL
    ignored = git("check-ignore", "-q", REPO_MODEL)[0] == 0
    target = REPO_MODEL if ignored else os.path.join(data, "lightgbm_bench.txt")
    if os.path.exists(target):
        return target
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    import lightgbm_fixtures as fixtures
    print("training the benchmark model (scripts/lightgbm_fixtures.py bench()) ...", flush=True)
    if ignored:
        fixtures.bench(FIXTURE_PARAMS)
        return target
    # bench() writes to <its folder>/../benches/data: give it a folder under --data.
    scratch = os.path.join(data, "fixture")
    os.makedirs(os.path.join(scratch, "scripts"), exist_ok=True)
    real = fixtures.__file__
    fixtures.__file__ = os.path.join(scratch, "scripts", "lightgbm_fixtures.py")
    try:
        fixtures.bench(FIXTURE_PARAMS)
    finally:
        fixtures.__file__ = real
    shutil.move(os.path.join(scratch, "benches", "data", "lightgbm_bench.txt"), target)
    shutil.rmtree(scratch)
    return target


def rows(data):
    """The test rows as float32: ROWS.csv ('%.9g') and ROWS.npy, written once."""
    import numpy as np
    csv, npy = os.path.join(data, "rows.csv"), os.path.join(data, "rows.npy")
    if os.path.exists(csv) and os.path.exists(npy):
        return csv, npy
    import pandas as pd
    from sklearn.datasets import make_classification
    x, _ = make_classification(n_samples=N_ROWS, n_features=N_FEATURES, n_informative=12, random_state=ROWS_SEED)
    x = x.astype(np.float32)
    pd.DataFrame(x, columns=COLUMNS).to_csv(csv + ".tmp", index=False, float_format="%.9g", lineterminator="\n")
    back = pd.read_csv(csv + ".tmp")[COLUMNS].to_numpy(dtype=np.float32)
    if not np.array_equal(back, x):
        sys.exit("the CSV rows do not round-trip to the same float32 values")
    np.save(npy, x)
    os.replace(csv + ".tmp", csv)
    return csv, npy


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"cpus": os.cpu_count(), "cpus_usable": affinity, "cpu_model": cpu, "platform": platform.platform(),
            "machine": platform.machine(), "python": platform.python_version(),
            "load_average_start": list(os.getloadavg())}


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--compile-runs", type=int, default=None,
                    help="runs of the compile scope (default: min(--runs, 3)); lleaves and tl2cgen take "
                         "10-30 s each")
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts of the function scope")
    ap.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "mlg-import-bench"))
    ap.add_argument("--lleaves-path", default=os.environ.get("MLG_LLEAVES_PATH"),
                    help="a folder put first on PYTHONPATH for lleaves (e.g. one with llvmlite<0.44)")
    ap.add_argument("--build", action="store_true", help="cargo build --release --bin mlg first")
    ap.add_argument("--out", default=os.path.join(ROOT, "benches", "results", "import_lightgbm.json"))
    a = ap.parse_args()
    threads = sorted({int(t) for t in a.threads.split(",") if t.strip()})
    if not threads or threads[0] < 1 or a.runs < 1:
        sys.exit("--threads needs positive counts and --runs at least 1")
    compile_runs = max(1, a.compile_runs or min(a.runs, 3))
    e2e_threads = max(threads)
    os.makedirs(a.data, exist_ok=True)
    data = os.path.abspath(a.data)
    work = tempfile.mkdtemp(prefix="work-", dir=data)
    notes, skipped = [], {}

    def skip(tool, scope, why):
        key = f"{tool} ({scope})" if scope else tool
        skipped[key] = why
        print(f"note: {key} left out: {why}", flush=True)

    def env_for(tool, t):
        s = str(t)
        env = dict(os.environ, RAYON_NUM_THREADS=s, OMP_NUM_THREADS=s, OPENBLAS_NUM_THREADS=s, MKL_NUM_THREADS=s)
        if tool == "lleaves" and a.lleaves_path:
            env["PYTHONPATH"] = os.pathsep.join([os.path.abspath(a.lleaves_path)] +
                                                ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        return env

    if a.build or not os.path.exists(MLG):
        print("cargo build --release --bin mlg ...", flush=True)
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mlg"], cwd=ROOT, check=True)

    model = model_file(data)
    csv, npy = rows(data)
    import numpy as np
    import lightgbm as lgb
    x = np.load(npy)
    reference = np.asarray(lgb.Booster(model_file=model).predict(x, num_threads=1), dtype=np.float64)
    print(f"model {model}, rows {csv} ({len(x)} x {x.shape[1]})", flush=True)

    # Versions, and which Python tools import.
    results = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
               "command": "python benches/import_lightgbm.py " + " ".join(sys.argv[1:]),
               "commit": git("rev-parse", "--short", "HEAD")[1] or None,
               "uncommitted_changes": bool(git("status", "--porcelain", "--untracked-files=no")[1]),
               "machine": machine(), "runs": a.runs, "compile_runs": compile_runs, "threads": threads,
               "e2e_threads": e2e_threads, "model": {"path": model, "bytes": os.path.getsize(model)},
               "rows": {"n": int(len(x)), "features": int(x.shape[1]), "csv": csv, "seed": ROWS_SEED},
               "lleaves_path": a.lleaves_path}
    versions = {"python": platform.python_version()}
    base, _ = python(PROBE, [["numpy", "numpy"], ["pandas", "pandas"], ["sklearn", "scikit-learn"]],
                     env_for("", 1))
    versions.update(base["versions"])
    available = ["mlg"]
    for tool, needs in NEEDS.items():
        try:
            probe, _ = python(PROBE, needs, env_for(tool, 1))
        except Failed as e:
            skip(tool, None, f"probe failed: {e}")
            continue
        versions.update({f"{k} ({tool})" if tool == "lleaves" and k == "llvmlite" else k: v
                         for k, v in probe["versions"].items()})
        if probe["missing"]:
            skip(tool, None, "not importable: " + "; ".join(probe["missing"]))
        else:
            available.append(tool)
    try:
        versions["mlg"] = subprocess.run([MLG, "--version"], capture_output=True, text=True).stdout.strip() \
            .removeprefix("mlg ")
        versions["mlg binary built"] = datetime.datetime.fromtimestamp(os.path.getmtime(MLG)).isoformat(
            timespec="seconds")
    except OSError as e:
        skip("mlg", None, f"{MLG}: {e}")
        available.remove("mlg")
    if "tl2cgen" in available:
        versions["gcc"] = (subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout
                           .splitlines() or ["?"])[0]
    results["versions"] = versions
    print("versions:", json.dumps(versions), flush=True)

    # Compile scope (it also makes what the other scopes load).
    artifact = os.path.join(work, "lightgbm.mlgc")
    libs = {"lleaves": os.path.join(work, "lleaves-0.so"), "tl2cgen": os.path.join(work, "tl2cgen-0.so"),
            "ONNX Runtime": os.path.join(work, "model-0.onnx")}
    compile_s = {tool: [] for tool in available}
    for r in range(compile_runs):
        for tool in list(compile_s):
            try:
                if tool == "mlg":
                    wall, _, out = timed([MLG, "import", model, "--to", artifact], env_for(tool, 1))
                    compile_s[tool].append(wall)
                else:
                    ext = {"lleaves": "so", "tl2cgen": "so", "ONNX Runtime": "onnx"}.get(tool, "x")
                    stem = {"ONNX Runtime": "model"}.get(tool, tool)
                    out_path = os.path.join(work, f"{stem}-{r}.{ext}")
                    got, _ = python(HEAD + COMPILE[tool], {"model": model, "out": out_path, "threads": 1,
                                                           "features": int(x.shape[1])}, env_for(tool, 1))
                    compile_s[tool].append(got["seconds"])
                    if r > 0 and os.path.exists(out_path):
                        os.remove(out_path)
                print(f"compile run {r + 1}: {tool} {compile_s[tool][-1]:.3f} s", flush=True)
            except Failed as e:
                hint = ""
                if tool == "lleaves" and "PassManagerBuilder" in str(e):
                    hint = (" (lleaves needs llvmlite < 0.44: pip install --no-deps --target DIR "
                            "'llvmlite==0.43.0' and pass --lleaves-path DIR)")
                skip(tool, None, f"compile failed: {e}{hint}")
                del compile_s[tool]
                available.remove(tool)

    # Function scope and latency: rows/s per thread count, latency at 1 thread.
    function = {tool: {str(t): [] for t in threads} for tool in available}
    latency, mlg_compile_ms, saved = {tool: [] for tool in available}, [], {}
    latency_threads = threads[0]
    for r in range(a.runs):
        for t in threads:
            for tool in [tool for tool in available if tool in function]:
                try:
                    if tool == "mlg":
                        _, _, out = timed([MLG, "bench", artifact, "--input", csv, "--json"], env_for(tool, t))
                        rep = json.loads(out)
                        rps = rep["cranelift_1_thread_rows_per_s" if t == 1 else "cranelift_all_threads_rows_per_s"]
                        if rep.get("threads") != t and t > 1:
                            notes.append(f"mlg bench ran {rep.get('threads')} threads where {t} were asked")
                        if t == latency_threads:
                            latency[tool].append(rep["latency_median_us"])
                            mlg_compile_ms.append(rep["compile_ms"])
                    else:
                        save = os.path.join(work, f"{tool.replace(' ', '_')}-proba.npy") if tool not in saved else ""
                        params = {"threads": t, "model": model, "rows_npy": npy, "latency": t == latency_threads,
                                  "save": save, "float64": tool == "lleaves", "lleaves_lib": libs["lleaves"],
                                  "tl2cgen_lib": libs["tl2cgen"], "onnx": libs["ONNX Runtime"]}
                        got, _ = python(HEAD + SETUP[tool][0] + FUNCTION, params, env_for(tool, t))
                        rps = got["rows_per_s"]
                        if "latency_us" in got:
                            latency[tool].append(got["latency_us"])
                        if save:
                            saved[tool] = save
                    function[tool][str(t)].append(rps)
                    print(f"function run {r + 1}: {tool}, {t} thread(s): {rps / 1e6:.3f} M rows/s", flush=True)
                except (Failed, KeyError, ValueError) as e:
                    skip(tool, "function", str(e))
                    del function[tool]
    # Agreement of the function outputs (mlg's comes from its predict output below).
    agreement = {}
    for tool, path in saved.items():
        p = np.load(path)
        agreement[tool] = {"max_abs_diff": float(np.max(np.abs(p - reference))) if len(p) == len(reference)
                           else float("nan"), "source": "function output"}

    # End to end: CSV -> CSV.
    e2e = {tool: {"seconds": [], "peak_mb": []} for tool in available}
    outputs = {}
    for r in range(a.runs):
        for tool in list(e2e):
            out_path = os.path.join(work, f"e2e-{tool.replace(' ', '_')}.csv")
            try:
                if tool == "mlg":
                    wall, mb, _ = timed([MLG, "predict", artifact, "--input", csv, "--output", out_path, "--proba"],
                                        env_for(tool, e2e_threads))
                else:
                    params = {"threads": e2e_threads, "model": model, "rows_csv": csv, "columns": COLUMNS,
                              "dtype": SETUP[tool][1], "out": out_path, "lleaves_lib": libs["lleaves"],
                              "tl2cgen_lib": libs["tl2cgen"], "onnx": libs["ONNX Runtime"]}
                    got, mb = python(HEAD + SETUP[tool][0] + E2E, params, env_for(tool, e2e_threads))
                    wall = got["seconds"]
                e2e[tool]["seconds"].append(wall)
                if mb is not None:
                    e2e[tool]["peak_mb"].append(mb)
                outputs[tool] = out_path
                print(f"e2e run {r + 1}: {tool} {wall:.3f} s", flush=True)
            except (Failed, KeyError, ValueError) as e:
                skip(tool, "e2e", str(e))
                del e2e[tool]
    import pandas as pd
    e2e_agreement = {}
    for tool, path in outputs.items():
        try:
            p = pd.read_csv(path)["proba_1"].to_numpy(dtype=np.float64)
            e2e_agreement[tool] = float(np.max(np.abs(p - reference))) if len(p) == len(reference) else float("nan")
        except (OSError, KeyError, ValueError) as e:
            notes.append(f"{tool}: could not read its e2e output: {e}")
    if "mlg" in e2e_agreement:
        agreement["mlg"] = {"max_abs_diff": e2e_agreement["mlg"], "source": "proba_1 of mlg predict"}

    results["compile"] = {tool: summary(s) for tool, s in compile_s.items() if s}
    if mlg_compile_ms:
        results["compile_mlg_cranelift_ms"] = summary(mlg_compile_ms)
    results["function"] = {tool: {t: summary(s) for t, s in per.items() if s} for tool, per in function.items()}
    results["latency_us"] = {tool: summary(s) for tool, s in latency.items() if s}
    results["e2e"] = {tool: {"seconds": summary(v["seconds"]),
                             "peak_mb": max(v["peak_mb"]) if v["peak_mb"] else None}
                      for tool, v in e2e.items() if v["seconds"]}
    results["agreement"] = agreement
    results["e2e_agreement"] = e2e_agreement
    results["ratios"] = ratios(results)
    results["skipped"], results["notes"] = skipped, notes
    results["machine"]["load_average_end"] = list(os.getloadavg())
    shutil.rmtree(work, ignore_errors=True)

    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(results, f, indent=1)
    md = markdown(results)
    with open(os.path.splitext(a.out)[0] + ".md", "w") as f:
        f.write(md)
    print(md)


def ratios(r):
    """mlg against lleaves (the issue's targets) and LightGBM, where both were measured."""
    out = {}
    fn = r["function"]
    for other in ("lleaves", "LightGBM"):
        for t in map(str, r["threads"]):
            if t in fn.get("mlg", {}) and t in fn.get(other, {}):
                out[f"rows_per_s mlg / {other}, {t} thread(s)"] = fn["mlg"][t]["median"] / fn[other][t]["median"]
    c = r["compile"]
    if "lleaves" in c and "compile_mlg_cranelift_ms" in r:
        ms = r["compile_mlg_cranelift_ms"]["median"] / 1e3
        out["compile mlg Cranelift / lleaves"] = ms / c["lleaves"]["median"]
        if "mlg" in c:
            out["compile mlg import + Cranelift / lleaves"] = (ms + c["mlg"]["median"]) / c["lleaves"]["median"]
    return out


def num(x):
    if x != x:
        return "nan"
    a = abs(x)
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def cell(s, scale=1.0):
    return f"{num(s['median'] * scale)} ({num(s['min'] * scale)}–{num(s['max'] * scale)})"


def diff(x):
    return "–" if x is None else ("nan" if x != x else f"{x:.2g}")


def markdown(r):
    m, v = r["machine"], r["versions"]
    lines = [f"Measured {r['date']} by `{r['command']}` at commit {r['commit']}"
             f"{' (with uncommitted changes)' if r['uncommitted_changes'] else ''}, on {m['cpus']} CPUs "
             f"({m['cpu_model'] or m['machine']}), {m['platform']}, Python {m['python']}; load average "
             f"{m['load_average_start'][0]:.2f} at the start, {m['load_average_end'][0]:.2f} at the end. "
             f"Median of {r['runs']} runs (compile: {r['compile_runs']}) with min–max; "
             f"{r['rows']['n']:,} rows × {r['rows']['features']} float32 features "
             f"(make_classification, random_state={r['rows']['seed']}); model {os.path.basename(r['model']['path'])} "
             "(500 trees × 31 leaves, binary).", "",
             "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".", ""]
    fn, agree = r["function"], r["agreement"]
    lines += ["### Function: rows/s on 100,000 rows in memory", "",
              "| tool | threads | median (min–max) | unit | max \\|p − p_LightGBM\\| |", "| --- | --- | --- | --- | --- |"]
    for tool, per in fn.items():
        for t, s in per.items():
            lines.append(f"| {tool} | {t} | {cell(s, 1e-6)} | M rows/s | "
                         f"{diff(agree.get(tool, {}).get('max_abs_diff'))} |")
    if "mlg" in fn and "mlg" in agree:
        lines += ["", "mlg's agreement is that of `mlg predict`'s proba_1 column (the same compiled function: "
                  "`mlg bench` gives no predictions); the others' is of their outputs in this scope."]
    lines += ["", "### Single-row latency (one row in, one prediction out)", "",
              "| tool | threads | median (min–max) | unit |", "| --- | --- | --- | --- |"]
    for tool, s in r["latency_us"].items():
        how = " (median of 20,000 calls from Rust)" if tool == "mlg" else ""
        lines.append(f"| {tool}{how} | 1 | {cell(s)} | µs |")
    lines += ["", "### Compile: model file → predictor", "",
              "| tool | threads | median (min–max) | unit |", "| --- | --- | --- | --- |"]
    c = r["compile"]
    for tool, s in c.items():
        name = {"mlg": "mlg import (process wall: parse, optimize, write artifact)",
                "LightGBM": "LightGBM (load only: it interprets)",
                "lleaves": "lleaves (Model + compile, no cache)",
                "tl2cgen": "tl2cgen (load_lightgbm_model + export_lib, gcc)",
                "ONNX Runtime": "ONNX Runtime (convert_lightgbm + InferenceSession)"}[tool]
        lines.append(f"| {name} | {2 if tool == 'tl2cgen' else 1} | {cell(s)} | s |")
    if "compile_mlg_cranelift_ms" in r:
        lines.append(f"| mlg Cranelift compile (`compile_ms`) | 1 | {cell(r['compile_mlg_cranelift_ms'])} | ms |")
    e2e = r["e2e"]
    lines += ["", f"### End to end: CSV → CSV (prediction, proba_0, proba_1), {r['e2e_threads']} threads", "",
              "| tool | threads | median (min–max) | unit | peak MB | max \\|p − p_LightGBM\\| |",
              "| --- | --- | --- | --- | --- | --- |"]
    for tool, row in e2e.items():
        how = " (`mlg predict`, process wall)" if tool == "mlg" else " (read_csv + predict + to_csv, in process)"
        mb = f"{row['peak_mb']:.0f}" if row["peak_mb"] else "–"
        lines.append(f"| {tool}{how} | {r['e2e_threads']} | {cell(row['seconds'])} | s | {mb} | "
                     f"{diff(r['e2e_agreement'].get(tool))} |")
    lines += ["", "### Against the targets", ""]
    rt = r["ratios"]
    for t in map(str, r["threads"]):
        key = f"rows_per_s mlg / lleaves, {t} thread(s)"
        if key in rt:
            lines.append(f"- rows/s, {t} thread(s): mlg is {rt[key]:.2f}× lleaves (target ≥ 3×: "
                         f"{'met' if rt[key] >= 3 else 'not met'}); "
                         f"{rt.get(f'rows_per_s mlg / LightGBM, {t} thread(s)', float('nan')):.2f}× LightGBM.")
    for key, label in (("compile mlg Cranelift / lleaves", "Cranelift compile alone"),
                       ("compile mlg import + Cranelift / lleaves", "import + Cranelift compile")):
        if key in rt:
            lines.append(f"- compile, {label}: {rt[key]:.4f} of lleaves' (1/{1 / rt[key]:.0f}; target ≤ 1/10: "
                         f"{'met' if rt[key] <= 0.1 else 'not met'}).")
    if not rt:
        lines.append("- (mlg or lleaves was not measured)")
    if r["skipped"] or r["notes"]:
        lines += ["", "Left out / notes:", ""]
        lines += [f"- {k}: {why}" for k, why in r["skipped"].items()]
        lines += [f"- {n}" for n in r["notes"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
