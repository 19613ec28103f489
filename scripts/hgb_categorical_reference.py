"""scikit-learn's HistGradientBoostingClassifier on examples/data/penguins.csv
with its categorical columns native (categorical_features="from_dtype": island
and sex as pandas categories, missing values left as NaN) on the folds of
penguins.folds.csv: the reference tests/sklearn_parity.rs compares
`gradient_boosting_native` of examples/compare/penguins.mlg against. Writes
benches/reference/hgb_categorical.json. Run from the repository root:
`python scripts/hgb_categorical_reference.py` (pandas, scikit-learn >= 1.4).

Settings match that model: every default
(100 rounds, learning rate 0.1, 31 leaves, 20 rows per leaf, 255 bins, no
early stopping below 10,000 rows), random_state=0. For comparison it also
scores the same model with the categories one-hot encoded.
"""

import json
import platform

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import PredefinedSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

frame = pd.read_csv("examples/data/penguins.csv")
folds = pd.read_csv("examples/data/penguins.folds.csv")["fold"].to_numpy()
y = frame.pop("species").to_numpy()
for name in ["island", "sex"]:
    frame[name] = frame[name].astype("category")

models = {
    "native": HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0),
    "one_hot": make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["island", "sex"]),
            remainder="passthrough",
        ),
        HistGradientBoostingClassifier(random_state=0),
    ),
}

out = {
    "meta": {
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "data": "examples/data/penguins.csv",
        "folds": "examples/data/penguins.folds.csv",
        "metric": "accuracy and macro F1, mean over the 5 folds",
    },
    "models": {},
}
for name, model in models.items():
    accs, f1s = [], []
    for train, test in PredefinedSplit(folds).split():
        model.fit(frame.iloc[train], y[train])
        pred = model.predict(frame.iloc[test])
        accs.append(accuracy_score(y[test], pred))
        f1s.append(f1_score(y[test], pred, average="macro"))
    out["models"][name] = {"accuracy": float(np.mean(accs)), "f1_macro": float(np.mean(f1s))}
    print(f"{name:8} accuracy {np.mean(accs):.4f}  f1_macro {np.mean(f1s):.4f}")
with open("benches/reference/hgb_categorical.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
