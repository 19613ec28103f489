"""Writes examples/data/churn.csv, a generated churn-like table with about 10 %
positives, and churn.folds.csv (scikit-learn's StratifiedKFold(5, shuffle,
seed 0) fold of every row).

The positives are rare and only weakly separable: the true probability of
churn stays below 0.5 for nearly every row, so a model fitted without class
weights predicts "no" for every row (F1 = 0), while class_weight="balanced"
trades accuracy for recall. Run from the repository root:
`python scripts/make_churn.py` (numpy, pandas, scikit-learn).
"""

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

rng = np.random.default_rng(20261207)
n = 2000
tenure = rng.integers(1, 73, n)
monthly = np.round(rng.normal(65, 20, n).clip(18, 120), 2)
calls = rng.poisson(1.2, n)
contract = rng.choice(["month", "one_year", "two_year"], n, p=[0.5, 0.3, 0.2])
paperless = rng.choice(["yes", "no"], n, p=[0.6, 0.4])
logit = (
    -2.6
    - 0.022 * (tenure - 36)
    + 0.018 * (monthly - 65)
    + 0.30 * (calls - 1.2)
    + np.select([contract == "month", contract == "one_year"], [0.45, -0.2], -0.6)
    + 0.15 * (paperless == "yes")
)
p = 1 / (1 + np.exp(-logit))
churn = np.where(rng.random(n) < p, "yes", "no")
frame = pd.DataFrame(
    {
        "tenure": tenure,
        "monthly_charges": monthly,
        "support_calls": calls,
        "contract": contract,
        "paperless": paperless,
        "churn": churn,
    }
)
frame.to_csv("examples/data/churn.csv", index=False)
folds = np.zeros(n, dtype=int)
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
for k, (_, test) in enumerate(cv.split(frame, churn)):
    folds[test] = k
pd.DataFrame({"row": np.arange(n), "fold": folds}).to_csv("examples/data/churn.folds.csv", index=False)
print(f"{n} rows, {np.mean(churn == 'yes'):.3f} positive, max p {p.max():.3f}, rows with p > 0.5: {(p > 0.5).sum()}")
