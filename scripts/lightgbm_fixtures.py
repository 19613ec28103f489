"""Writes the LightGBM fixtures of `mlg import` (tests/fixtures/interop/lightgbm_*)
and the benchmark model (benches/data/lightgbm_bench.*), with LightGBM's own
outputs as the reference. Run with a Python that has lightgbm, numpy and
scikit-learn (`pip install lightgbm scikit-learn`); seeds are fixed.

    python3 scripts/lightgbm_fixtures.py [--bench]
"""
import os
import sys

import lightgbm as lgb
import numpy as np
from sklearn.datasets import make_classification, make_regression

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "interop")


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
            cells += [repr(float(v[i])) for _, v in extra]
            f.write(",".join(cells) + "\n")


def save(name, booster, names, x, classes):
    booster.save_model(os.path.join(OUT, f"lightgbm_{name}.txt"))
    raw = booster.predict(x, raw_score=True)
    out = booster.predict(x)
    if classes == 0:
        extra = [("prediction", out), ("margin", raw)]
    elif classes == 2:
        extra = [("proba_0", 1 - out), ("proba_1", out), ("margin", raw)]
    else:
        extra = [(f"proba_{k}", out[:, k]) for k in range(classes)]
        extra += [(f"margin_{k}", raw[:, k]) for k in range(classes)]
    write_csv(os.path.join(OUT, f"lightgbm_{name}.csv"), names, x, extra)
    print("wrote", name, booster.num_trees(), "trees")


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(0)
    params = {"verbose": -1, "seed": 0, "num_threads": 1, "deterministic": True}

    # Binary, with missing values both learned (NaN) and absent from training.
    x, y = make_classification(n_samples=600, n_features=8, n_informative=5, random_state=0)
    x = f32(with_nan(x, rng, [0, 3]))
    names = [f"x{i}" for i in range(8)]
    b = lgb.train({**params, "objective": "binary", "num_leaves": 15}, lgb.Dataset(x, y, feature_name=names), 30)
    save("binary", b, names, x[:60], 2)

    # Multiclass.
    x, y = make_classification(n_samples=600, n_features=6, n_informative=4, n_classes=3, random_state=1)
    x = f32(with_nan(x, rng, [1]))
    names = [f"m{i}" for i in range(6)]
    b = lgb.train({**params, "objective": "multiclass", "num_class": 3, "num_leaves": 7},
                  lgb.Dataset(x, y, feature_name=names), 15)
    save("multiclass", b, names, x[:60], 3)

    # Regression with a categorical feature (integer codes 0..9).
    x, y = make_regression(n_samples=800, n_features=5, noise=0.5, random_state=2)
    cat = rng.integers(0, 10, size=len(x))
    y = y + np.where(np.isin(cat, [1, 4, 7]), 40.0, -10.0)
    x = f32(np.column_stack([x, cat]))
    x[:5, 5] = np.nan
    x[5:8, 5] = -1.0
    x[8:10, 5] = 3.7
    names = [f"r{i}" for i in range(5)] + ["code"]
    b = lgb.train({**params, "objective": "regression", "num_leaves": 15, "min_data_per_group": 5,
                   "cat_smooth": 1.0},
                  lgb.Dataset(x, y, feature_name=names, categorical_feature=["code"]), 25)
    save("regression_cat", b, names, x[:60], 0)

    # Poisson (exp link) and a random forest (average_output).
    x, _ = make_regression(n_samples=500, n_features=4, random_state=3)
    x = f32(x)
    y = rng.poisson(np.exp(0.3 * x[:, 0]))
    names = [f"p{i}" for i in range(4)]
    b = lgb.train({**params, "objective": "poisson", "num_leaves": 7}, lgb.Dataset(x, y, feature_name=names), 10)
    save("poisson", b, names, x[:40], 0)
    b = lgb.train({**params, "objective": "regression", "boosting": "rf", "bagging_fraction": 0.7,
                   "bagging_freq": 1, "num_leaves": 7}, lgb.Dataset(x, x[:, 1] * 2.0, feature_name=names), 10)
    save("rf", b, names, x[:40], 0)

    if "--bench" in sys.argv:
        bench(params)


def bench(params):
    """The benchmark model: 500 trees of 31 leaves on 20 features, binary."""
    out = os.path.join(os.path.dirname(__file__), "..", "benches", "data")
    os.makedirs(out, exist_ok=True)
    x, y = make_classification(n_samples=100_000, n_features=20, n_informative=12, random_state=7)
    x = f32(x)
    names = [f"f{i}" for i in range(20)]
    b = lgb.train({**params, "objective": "binary", "num_leaves": 31}, lgb.Dataset(x, y, feature_name=names), 500)
    b.save_model(os.path.join(out, "lightgbm_bench.txt"))
    print("wrote the benchmark model:", b.num_trees(), "trees")


if __name__ == "__main__":
    main()
