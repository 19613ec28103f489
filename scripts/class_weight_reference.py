"""scikit-learn's F1 on examples/data/churn.csv with and without
class_weight="balanced", on the folds of churn.folds.csv: the reference
tests/class_weight.rs compares mlg against. Writes
benches/reference/class_weight.json. Run from the repository root:
`python scripts/class_weight_reference.py` (pandas, scikit-learn).

Settings match examples/compare/churn.mlg: `logreg_tuned*` add a decision
threshold tuned for F1 on 5 inner folds (TunedThresholdClassifierCV, mlg's
tuned_threshold); numbers standardized and
categories one-hot encoded for logistic regression and the SVM, one-hot
encoded for the trees; F1 of the positive class "yes".
"""

import json
import platform

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, make_scorer
from sklearn.model_selection import PredefinedSplit, TunedThresholdClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC

frame = pd.read_csv("examples/data/churn.csv")
folds = pd.read_csv("examples/data/churn.folds.csv")["fold"].to_numpy()
y = frame.pop("churn").to_numpy()
numeric = ["tenure", "monthly_charges", "support_calls"]
categorical = ["contract", "paperless"]


def prep(scale):
    return ColumnTransformer(
        [
            ("num", StandardScaler() if scale else "passthrough", numeric),
            ("cat", OneHotEncoder(), categorical),
        ]
    )


def models(weight):
    return {
        "logreg": make_pipeline(prep(True), LogisticRegression(class_weight=weight)),
        "svm_linear": make_pipeline(prep(True), SVC(kernel="linear", class_weight=weight)),
        "gradient_boosting": make_pipeline(
            prep(False), HistGradientBoostingClassifier(class_weight=weight, random_state=0)
        ),
        "random_forest": make_pipeline(
            prep(False), RandomForestClassifier(n_estimators=100, class_weight=weight, random_state=0)
        ),
        "logreg_tuned": make_pipeline(
            prep(True),
            TunedThresholdClassifierCV(
                LogisticRegression(class_weight=weight), scoring=make_scorer(f1_score, pos_label="yes"), cv=5
            ),
        ),
    }


out = {
    "meta": {
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "data": "examples/data/churn.csv",
        "folds": "examples/data/churn.folds.csv",
        "metric": "f1 of class 'yes' and accuracy, mean over the 5 folds",
    },
    "models": {},
}
for weight, suffix in [(None, ""), ("balanced", "_balanced")]:
    for name, model in models(weight).items():
        f1s, accs = [], []
        for train, test in PredefinedSplit(folds).split():
            model.fit(frame.iloc[train], y[train])
            pred = model.predict(frame.iloc[test])
            f1s.append(f1_score(y[test], pred, pos_label="yes", zero_division=0))
            accs.append(accuracy_score(y[test], pred))
        out["models"][name + suffix] = {"f1": float(np.mean(f1s)), "accuracy": float(np.mean(accs))}
        print(f"{name + suffix:28} f1 {np.mean(f1s):.4f}  accuracy {np.mean(accs):.4f}")
with open("benches/reference/class_weight.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
