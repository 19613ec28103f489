"""Writes the XGBoost fixtures that interop/tests/xgboost.rs checks the
XGBoost JSON importer (interop/src/xgboost.rs) against.

Run with a Python that has xgboost (2.x or 3.x), numpy and scikit-learn:

    python scripts/xgboost_fixtures.py

For each model it writes tests/fixtures/interop/xgboost_<name>.json (the
model as `Booster.save_model` writes it) and xgboost_<name>.csv: 55 input rows
(one column per feature name, an empty cell for NaN: 50 training rows, up to 20
of them with a NaN, then 5 with a feature exactly at a root split's threshold)
followed by XGBoost's own outputs for them: `proba_<k>` (classifiers) or `prediction` (regressors), and
`margin_<k>` (`predict(output_margin=True)`). Inputs are float32 and every
number is written with enough digits to read back exactly. Seeds are fixed, and
training is single-threaded, so the files are reproducible for a given
XGBoost version.
"""

import json
import os

import numpy as np
import xgboost as xgb
from sklearn.datasets import make_classification, make_regression

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "interop")
N_ROWS = 300
N_CSV = 50


def with_nans(x, rng, columns):
    """float32 copy of `x` with ~5% NaN in `columns`, so default_left matters."""
    x = x.astype(np.float32)
    for c in columns:
        x[rng.random(len(x)) < 0.05, c] = np.nan
    return x


def num(v):
    """A float32 value written so that an f64 (or f32) parse gives it exactly."""
    return "" if np.isnan(v) else repr(float(np.float32(v)))


def write(name, booster, x, names, classes):
    """The model and the CSV of inputs with XGBoost's outputs for them."""
    model_path = os.path.join(OUT, f"xgboost_{name}.json")
    booster.save_model(model_path)
    # Rows with a NaN first (up to 20 of them), so default_left is exercised.
    has_nan = np.isnan(x).any(axis=1)
    pick = np.concatenate([np.flatnonzero(has_nan)[:20], np.flatnonzero(~has_nan)])[:N_CSV]
    rows = x[np.sort(pick)]
    # Then 5 rows whose feature equals a root split's threshold exactly, where
    # `x < t` and `x <= t` part ways.
    trees = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]
    ties = rows[:5].copy()
    for i, tree in enumerate(trees[:5]):
        if tree["left_children"][0] != -1:
            ties[i, tree["split_indices"][0]] = np.float32(tree["split_conditions"][0])
    rows = np.concatenate([rows, ties])
    d = xgb.DMatrix(rows, feature_names=names)
    pred = booster.predict(d).reshape(len(rows), -1)
    margin = booster.predict(d, output_margin=True).reshape(len(rows), -1)
    if classes == 2:
        # binary:logistic predicts P(class 1); write both probabilities.
        pred = np.concatenate([1.0 - pred.astype(np.float64), pred], axis=1)
    header = list(names or [f"f{i}" for i in range(x.shape[1])])
    if classes:
        header += [f"proba_{k}" for k in range(pred.shape[1])]
    else:
        header += ["prediction"]
    header += [f"margin_{k}" for k in range(margin.shape[1])]
    csv_path = os.path.join(OUT, f"xgboost_{name}.csv")
    with open(csv_path, "w") as f:
        f.write(",".join(header) + "\n")
        for i in range(len(rows)):
            cells = [num(v) for v in rows[i]]
            cells += [repr(float(v)) for v in pred[i]]
            cells += [num(v) for v in margin[i]]
            f.write(",".join(cells) + "\n")
    for p in (model_path, csv_path):
        print(f"wrote {os.path.relpath(p)} ({os.path.getsize(p)} bytes)")


def main():
    os.makedirs(OUT, exist_ok=True)
    common = {"seed": 0, "nthread": 1, "tree_method": "hist"}

    # (1) binary:logistic, 20 trees of depth 4, named features.
    rng = np.random.default_rng(1)
    x, y = make_classification(N_ROWS, 8, n_informative=5, random_state=1)
    x = with_nans(x, rng, [0, 3])
    names = [f"x{i}" for i in range(8)]
    b = xgb.train(
        {**common, "objective": "binary:logistic", "max_depth": 4, "eta": 0.3},
        xgb.DMatrix(x, y, feature_names=names),
        20,
    )
    write("binary", b, x, names, 2)

    # (2) multi:softprob, 3 classes, 10 rounds (30 trees), unnamed features.
    rng = np.random.default_rng(2)
    x, y = make_classification(N_ROWS, 9, n_informative=6, n_classes=3, random_state=2)
    x = with_nans(x, rng, [1, 4])
    b = xgb.train(
        {**common, "objective": "multi:softprob", "num_class": 3, "max_depth": 3},
        xgb.DMatrix(x, y),
        10,
    )
    write("multiclass", b, x, None, 3)

    # (3) reg:squarederror, 20 trees, eta 0.1 (leaf values differ from base_weights).
    rng = np.random.default_rng(3)
    x, y = make_regression(N_ROWS, 10, n_informative=6, noise=5.0, random_state=3)
    x = with_nans(x, rng, [0, 2])
    names = [f"feat_{i}" for i in range(10)]
    b = xgb.train(
        {**common, "objective": "reg:squarederror", "max_depth": 4, "eta": 0.1},
        xgb.DMatrix(x, y, feature_names=names),
        20,
    )
    write("regression", b, x, names, 0)

    # (4) count:poisson, 8 trees of depth 3 on counts from a log-linear rate.
    rng = np.random.default_rng(4)
    x = rng.normal(size=(N_ROWS, 8))
    y = rng.poisson(np.exp(0.5 + 0.6 * x[:, 0] - 0.4 * x[:, 1]))
    x = with_nans(x, rng, [0, 5])
    names = [f"c{i}" for i in range(8)]
    b = xgb.train(
        {**common, "objective": "count:poisson", "max_depth": 3, "eta": 0.3},
        xgb.DMatrix(x, y, feature_names=names),
        8,
    )
    write("poisson", b, x, names, 0)


if __name__ == "__main__":
    main()
