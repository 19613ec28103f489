"""Writes the scikit-learn ONNX fixtures of `mlg import` (tests/fixtures/interop/sklearn_*.onnx
and .csv), converted with skl2onnx, with scikit-learn's own outputs as the reference. Run with a
Python that has numpy, scikit-learn, skl2onnx and onnx (`pip install scikit-learn skl2onnx onnx`,
plus onnxruntime for --check); seeds are fixed.

    python3 scripts/sklearn_onnx_fixtures.py [--check] [--ops PATH]

--check runs every fixture with onnxruntime on its CSV inputs and prints how far it is from the
reference columns; --ops PATH writes a plain-text listing of every fixture's graph (nodes with
their attributes, inputs, outputs and initializers).

The CSV has the inputs x0..x{k-1} (float32-representable, an empty cell for NaN), then for
classifiers `label` and `proba_0..proba_{n-1}` (`decision` instead of probabilities for the SVC),
for regressors `prediction`. The model's single input is `X`, float32 [None, k].
"""
import contextlib
import os
import sys

import numpy as np
import onnx
import onnx.helper
from onnx import numpy_helper
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor,
                              HistGradientBoostingClassifier, RandomForestClassifier,
                              RandomForestRegressor)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer, StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "interop")
OPSET = {"": 17, "ai.onnx.ml": 3}
TEST = 60


def f32(x):
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def with_nan(x, rng, cols, share=0.05):
    x = x.copy()
    for c in cols:
        x[rng.random(len(x)) < share, c] = np.nan
    return x


def write_csv(path, names, x, extra):
    """Rows of `x` (empty cell for NaN) and the reference columns `extra`."""
    with open(path, "w") as f:
        f.write(",".join(list(names) + [k for k, _ in extra]) + "\n")
        for i in range(len(x)):
            cells = ["" if np.isnan(v) else repr(float(np.float32(v))) for v in x[i]]
            cells += [repr(int(v[i])) if k == "label" else repr(float(v[i])) for k, v in extra]
            f.write(",".join(cells) + "\n")


def classification(seed, classes, features=8, n=400, nan_cols=(), rng=None):
    x, y = make_classification(n_samples=n + TEST, n_features=features, n_informative=5,
                               n_redundant=1, n_classes=classes, random_state=seed)
    if nan_cols:
        x = with_nan(x, rng, nan_cols)
    x = f32(x)
    return x[:n], y[:n], x[n:]


def regression(seed, features=6, n=400):
    x, y = make_regression(n_samples=n + TEST, n_features=features, n_informative=5, noise=1.0,
                           random_state=seed)
    x = f32(x)
    return x[:n], y[:n], x[n:]


def save(name, model, x_test, kind, zipmap=False):
    """Converts the fitted `model` and writes sklearn_<name>.onnx/.csv; kind is
    "classifier", "regressor" or "decision" (a classifier without probabilities)."""
    k = x_test.shape[1]
    est = model.steps[-1][1] if hasattr(model, "steps") else model
    options = None
    if kind != "regressor" and not zipmap:
        options = {id(est): {"zipmap": False}}
    onx = to_onnx(model, initial_types=[("X", FloatTensorType([None, k]))], target_opset=OPSET,
                  options=options)
    # skl2onnx orders opset_import (and sometimes repeats the default domain) as a set iterates;
    # sort it so that a rerun writes the same bytes (the repeats are kept, as skl2onnx wrote them).
    imports = sorted(onx.opset_import, key=lambda o: (o.domain, o.version))
    del onx.opset_import[:]
    onx.opset_import.extend(imports)
    path = os.path.join(OUT, f"sklearn_{name}.onnx")
    with open(path, "wb") as f:
        f.write(onx.SerializeToString())
    if kind == "regressor":
        extra = [("prediction", np.ravel(model.predict(x_test)))]
    else:
        extra = [("label", model.predict(x_test))]
        if kind == "decision":
            extra.append(("decision", model.decision_function(x_test)))
        else:
            p = model.predict_proba(x_test)
            extra += [(f"proba_{c}", p[:, c]) for c in range(p.shape[1])]
    write_csv(os.path.join(OUT, f"sklearn_{name}.csv"), [f"x{i}" for i in range(k)], x_test, extra)
    print(f"wrote sklearn_{name}.onnx ({os.path.getsize(path)} bytes)")


@contextlib.contextmanager
def bools_as_ints():
    """skl2onnx 1.20 writes HistGradientBoosting's nodes_missing_value_tracks_true as a list
    mixing Python booleans with numpy uint8, which onnx 1.23's make_attribute rejects ("Expected
    an int, got a boolean"); this turns such lists into 0/1 integers while converting."""
    original = onnx.helper.make_attribute

    def make_attribute(key, value, *args, **kwargs):
        if isinstance(value, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in value):
            value = [int(v) for v in value]
        return original(key, value, *args, **kwargs)

    onnx.helper.make_attribute = make_attribute
    try:
        yield
    finally:
        onnx.helper.make_attribute = original


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(0)
    skipped = []

    x, y, t = classification(0, 2)
    save("logistic_binary", make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y), t,
         "classifier")
    save("logistic_zipmap", make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y), t,
         "classifier", zipmap=True)

    x, y, t = classification(1, 3, features=7, nan_cols=(1, 4), rng=rng)
    m = make_pipeline(SimpleImputer(strategy="mean"), StandardScaler(), LogisticRegression())
    save("logistic_multiclass", m.fit(x, y), t, "classifier")

    x, y, t = regression(2)
    save("linear_regression", make_pipeline(StandardScaler(), Ridge(alpha=1.0)).fit(x, y), t,
         "regressor")

    x, y, t = classification(3, 3, features=6)
    save("tree_classifier", DecisionTreeClassifier(max_depth=4, random_state=0).fit(x, y), t,
         "classifier")

    x, y, t = classification(4, 2)
    m = RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0)
    save("forest_classifier", m.fit(x, y), t, "classifier")

    x, y, t = regression(5, features=7)
    m = RandomForestRegressor(n_estimators=10, max_depth=4, random_state=0)
    save("forest_regressor", m.fit(x, y), t, "regressor")

    x, y, t = classification(6, 2)
    m = GradientBoostingClassifier(n_estimators=20, max_depth=3, random_state=0)
    save("gbm_classifier", m.fit(x, y), t, "classifier")

    x, y, t = classification(7, 3, features=6)
    m = GradientBoostingClassifier(n_estimators=10, max_depth=3, random_state=0)
    save("gbm_multiclass", m.fit(x, y), t, "classifier")

    x, y, t = regression(8, features=8)
    m = GradientBoostingRegressor(n_estimators=20, max_depth=3, random_state=0)
    save("gbm_regressor", m.fit(x, y), t, "regressor")

    x, y, t = classification(9, 3, features=6)
    m = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(16,), activation="relu",
                                                      max_iter=500, random_state=0))
    save("mlp_classifier", m.fit(x, y), t, "classifier")

    x, y, t = regression(10)
    m = make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(16,), activation="tanh",
                                                     max_iter=500, random_state=0))
    save("mlp_regressor", m.fit(x, y), t, "regressor")

    x, y, t = regression(11, n=200)
    save("svr", make_pipeline(StandardScaler(), SVR(kernel="rbf", C=100.0)).fit(x, y), t,
         "regressor")

    x, y, t = classification(12, 2, n=200)
    m = make_pipeline(StandardScaler(), SVC(kernel="rbf", probability=False))
    save("svc_binary", m.fit(x, y), t, "decision")

    x, y, t = regression(13, features=6)
    save("normalizer_linear", make_pipeline(Normalizer(norm="l2"), LinearRegression()).fit(x, y),
         t, "regressor")

    x, y, t = classification(14, 2, nan_cols=(2, 5), rng=rng)
    m = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(x, y)
    try:
        with bools_as_ints():
            save("histgb_classifier", m, t, "classifier")
    except Exception as e:  # noqa: BLE001 - an unsupported converter is reported, not fatal
        skipped.append(("histgb_classifier", f"{type(e).__name__}: {str(e)[:200]}"))

    for name, why in skipped:
        print("skipped", name, why)

    if "--check" in sys.argv:
        check()
    if "--ops" in sys.argv:
        ops(sys.argv[sys.argv.index("--ops") + 1])


def fixtures():
    return sorted(f[len("sklearn_"):-len(".onnx")] for f in os.listdir(OUT)
                  if f.startswith("sklearn_") and f.endswith(".onnx"))


def read_csv(path):
    with open(path) as f:
        head = f.readline().strip().split(",")
        rows = [[np.nan if c == "" else float(c) for c in line.strip().split(",")] for line in f]
    return head, np.array(rows, dtype=np.float64)


def check():
    """Runs each fixture with onnxruntime and compares it with the reference columns."""
    import onnxruntime as ort

    print(f"\n{'fixture':<22} {'rows':>4} {'max|d| proba/pred/decision':>27} {'labels':>8}")
    for name in fixtures():
        head, data = read_csv(os.path.join(OUT, f"sklearn_{name}.csv"))
        xi = [i for i, h in enumerate(head) if h.startswith("x")]
        col = {h: i for i, h in enumerate(head)}
        sess = ort.InferenceSession(os.path.join(OUT, f"sklearn_{name}.onnx"),
                                    providers=["CPUExecutionProvider"])
        outs = sess.run(None, {"X": data[:, xi].astype(np.float32)})
        labels = "-"
        if "label" in col:
            got = np.ravel(outs[0]).astype(np.int64)
            agree = int((got == data[:, col["label"]].astype(np.int64)).sum())
            labels = f"{agree}/{len(data)}"
            second = outs[1]
            if isinstance(second, list):  # ZipMap: a list of {class: probability}
                second = np.array([[d[c] for c in sorted(d)] for d in second])
            second = np.asarray(second, dtype=np.float64)
            if "decision" in col:
                ref = data[:, col["decision"]]
                # Binary SVC: skl2onnx's scores are [N, 2] = [decision, -decision].
                got = second[:, 0] if second.ndim == 2 else second
            else:
                ref = data[:, [col[h] for h in head if h.startswith("proba_")]]
                got = second
        else:
            ref = data[:, col["prediction"]]
            got = np.ravel(outs[0]).astype(np.float64)
        diff = float(np.max(np.abs(got - ref)))
        print(f"{name:<22} {len(data):>4} {diff:>27.3e} {labels:>8}")


def fmt_value(v):
    if isinstance(v, (bytes, bytearray)):
        return repr(v.decode())
    if isinstance(v, float):
        return repr(float(np.float32(v)))
    return repr(v)


def fmt_list(vals):
    vals = list(vals)
    if len(vals) <= 12:
        return "[" + ", ".join(fmt_value(v) for v in vals) + "]"
    return f"len={len(vals)} first6=[" + ", ".join(fmt_value(v) for v in vals[:6]) + ", ...]"


def fmt_attr(a):
    v = onnx.helper.get_attribute_value(a)
    if isinstance(v, (list, tuple)):
        return fmt_list(v)
    if hasattr(v, "dims"):  # a TensorProto
        arr = numpy_helper.to_array(v)
        return f"tensor {arr.dtype} {list(arr.shape)} " + fmt_list(arr.ravel().tolist())
    return fmt_value(v)


def fmt_type(vi):
    t = vi.type
    if t.HasField("tensor_type"):
        dims = [d.dim_param or d.dim_value if (d.dim_param or d.HasField("dim_value")) else "?"
                for d in t.tensor_type.shape.dim]
        return f"tensor({onnx.TensorProto.DataType.Name(t.tensor_type.elem_type)}) {dims}"
    return str(t).replace("\n", " ")


def ops(path):
    """Writes the listing of every fixture's graph to `path`."""
    tree_keys = ["nodes_modes", "nodes_missing_value_tracks_true", "class_ids", "target_ids",
                 "classlabels_int64s", "classlabels_strings", "aggregate_function",
                 "post_transform", "base_values", "n_targets"]
    lines = []
    for name in fixtures():
        m = onnx.load(os.path.join(OUT, f"sklearn_{name}.onnx"))
        g = m.graph
        lines.append("=" * 78)
        lines.append(f"sklearn_{name}.onnx  opsets=" +
                     ", ".join(f"{o.domain!r}:{o.version}" for o in m.opset_import) +
                     f"  producer={m.producer_name} {m.producer_version} ir={m.ir_version}")
        for vi in g.input:
            lines.append(f"  input  {vi.name}: {fmt_type(vi)}")
        for vi in g.output:
            lines.append(f"  output {vi.name}: {fmt_type(vi)}")
        for init in g.initializer:
            arr = numpy_helper.to_array(init)
            lines.append(f"  initializer {init.name}: {arr.dtype} {list(arr.shape)} " +
                         fmt_list(arr.ravel().tolist()))
        for node in g.node:
            lines.append(f"  node {node.op_type} domain={node.domain!r} "
                         f"name={node.name!r} inputs={list(node.input)} outputs={list(node.output)}")
            for a in node.attribute:
                lines.append(f"      {a.name} = {fmt_attr(a)}")
            if node.op_type.startswith("TreeEnsemble"):
                attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
                lines.append("      -- tree summary:")
                lines.append(f"         trees={len(set(attrs.get('nodes_treeids', [])))}"
                             f" nodes={len(attrs.get('nodes_nodeids', []))}")
                for key in tree_keys:
                    if key in attrs:
                        v = attrs[key]
                        if isinstance(v, (list, tuple)):
                            distinct = sorted(set(fmt_value(x) for x in v))
                            lines.append(f"         {key}: distinct={distinct} (len={len(v)})")
                        else:
                            lines.append(f"         {key}: {fmt_value(v)}")
                for key in ("aggregate_function", "post_transform", "base_values",
                            "base_values_as_tensor"):
                    if key not in attrs:
                        lines.append(f"         {key}: (absent, so the default)")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
