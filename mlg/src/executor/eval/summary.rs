//! What an evaluation reports: per-metric summaries, rank, confusion matrix,
//! the model's own importances and coefficients, permutation importance, and
//! (for the HTML page, not the JSON) the pooled held-out predictions. The
//! field meanings are documented in `docs/report.md`.

use serde::Serialize;
use std::collections::BTreeMap;

/// One metric over the splits of a method.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricSummary {
    /// Mean of the per-split scores.
    pub mean: f64,
    /// Population standard deviation of the per-split scores.
    pub std: f64,
    /// The per-split scores, in split order.
    pub folds: Vec<f64>,
    /// The method's estimate of the metric: `mean` for every method except
    /// `bootstrap(oob = true)`, where it is Efron's .632 estimate
    /// `0.368 * resubstitution + 0.632 * mean`. Ranking and `select` use it.
    pub estimate: f64,
    /// `bootstrap(oob = true)` only: the score of the model fitted on every row
    /// and scored on those same rows.
    pub resubstitution: Option<f64>,
}

impl MetricSummary {
    /// Mean, standard deviation and estimate (= mean) of `folds`.
    pub fn of(folds: Vec<f64>) -> MetricSummary {
        let (mean, std) = mean_std(&folds);
        MetricSummary {
            mean,
            std,
            folds,
            estimate: mean,
            resubstitution: None,
        }
    }
}

/// Mean and population standard deviation (0 and 0 for no values).
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    (mean, std)
}

/// Held-out predictions of a classifier summed over the splits: `counts[t][p]`
/// rows of true label `labels[t]` were predicted `labels[p]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConfusionMatrix {
    /// Class labels in code order (rows and columns).
    pub labels: Vec<String>,
    /// `counts[true][predicted]`.
    pub counts: Vec<Vec<u64>>,
}

/// A score of one column: mean and population standard deviation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeatureScore {
    /// The column's name.
    pub feature: String,
    /// Mean of the column's scores.
    pub mean: f64,
    /// Population standard deviation of the column's scores.
    pub std: f64,
}

/// The model's own feature importances, averaged over the splits' fits.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelImportances {
    /// `"impurity"` (trees and forests: impurity decrease) or `"coefficients"`
    /// (linear models: `|coef|`, summed over classes).
    pub kind: String,
    /// One entry per model input column, most important first.
    pub features: Vec<FeatureScore>,
}

/// A class that held-out rows have and no held-out prediction names.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NeverPredicted {
    /// The class label.
    pub label: String,
    /// Held-out rows of that class, summed over the splits.
    pub rows: u64,
}

/// The classes of `truth` that `predicted` never names, with their row
/// counts (codes index `labels`; codes outside it are ignored).
pub fn never_predicted(labels: &[String], truth: &[u32], predicted: &[u32]) -> Vec<NeverPredicted> {
    let (mut seen, mut named) = (vec![0u64; labels.len()], vec![false; labels.len()]);
    for &c in truth {
        if let Some(n) = seen.get_mut(c as usize) {
            *n += 1;
        }
    }
    for &c in predicted {
        if let Some(n) = named.get_mut(c as usize) {
            *n = true;
        }
    }
    labels
        .iter()
        .zip(seen.iter().zip(&named))
        .filter(|(_, (&rows, &named))| rows > 0 && !named)
        .map(|(label, (&rows, _))| NeverPredicted {
            label: label.clone(),
            rows,
        })
        .collect()
}

/// A linear model's coefficients averaged over the splits' fits.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Coefficients {
    /// What each row scores: the class for a multinomial classifier, the
    /// positive class for a binary one, `prediction` for a regressor.
    pub outputs: Vec<String>,
    /// The model's input columns (after every features step).
    pub features: Vec<String>,
    /// `mean[o][f]`: mean coefficient of feature `f` for output `o`.
    pub mean: Vec<Vec<f64>>,
    /// Population standard deviation over the splits, same shape.
    pub std: Vec<Vec<f64>>,
}

/// Permutation importance of the raw input columns.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PermutationImportance {
    /// The metric whose drop is measured (the evaluation's first).
    pub metric: String,
    /// Shuffles per column and split.
    pub repeats: usize,
    /// How many splits were shuffled (the first ones, at most
    /// [`super::evaluate::PERMUTATION_MAX_SPLITS`]).
    pub splits: usize,
    /// Mean first-metric score of the unshuffled held-out rows of those splits.
    pub baseline: f64,
    /// One entry per raw column, most important first: mean and std of the
    /// score drop over `splits` × `repeats` shuffles.
    pub features: Vec<FeatureScore>,
}

/// Held-out predictions pooled over the splits, for charts.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum HeldOut {
    /// Not collected.
    #[default]
    None,
    /// Classifier: true and predicted codes, and `labels.len()` probabilities per row.
    Classes {
        /// Class labels by code.
        labels: Vec<String>,
        /// True class codes, one per held-out row.
        truth: Vec<u32>,
        /// Predicted class codes.
        predicted: Vec<u32>,
        /// Row-major class probabilities.
        proba: Vec<f64>,
    },
    /// Regressor: true and predicted values.
    Values {
        /// True values, one per held-out row.
        truth: Vec<f64>,
        /// Predicted values.
        predicted: Vec<f64>,
    },
}

/// A model's compiled size and speed, for the compression table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Compression {
    /// The `model` stage this one compresses; `None` when it is not a
    /// `compress` stage.
    pub base: Option<String>,
    /// Its compression steps in order, e.g. `low_rank(rank=8)`; empty when it
    /// is not a `compress` stage.
    pub steps: Vec<String>,
    /// Bytes of fitted constants of the compiled graph
    /// (`mlg_compiler::passes::parameter_bytes`), mean over the splits.
    pub size_bytes: f64,
    /// Nonzero weights of its linear layers, mean over the splits.
    pub nonzero_weights: f64,
    /// Microseconds per single-row call of the compiled function on the first
    /// split's held-out rows (the fastest of three passes over up to 256).
    pub latency_us: Option<f64>,
}

/// The scores of one model under one evaluation method.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// The statement that produced it: `evaluate#N`, or a select stage's name.
    pub statement: String,
    /// The model's name as the statement wrote it.
    pub model: String,
    /// When `model` is a select stage: the model stage it chose.
    pub selected: Option<String>,
    /// The operator of the model evaluated (the chosen one for a select).
    pub operator: String,
    /// `classification` or `regression`.
    pub task: String,
    /// The method with every parameter, as text.
    pub method: String,
    /// Per metric name, its summary over the splits.
    pub metrics: BTreeMap<String, MetricSummary>,
    /// The metric names in the order the statement listed them (or the
    /// task's defaults), for tables: `metrics` is keyed alphabetically.
    #[serde(skip)]
    pub metric_order: Vec<String>,
    /// The metric the statement ranks by (its first).
    pub ranked_by: String,
    /// 1 for the best model of the statement, then 2, 3, ...
    pub rank: usize,
    /// True for the rank-1 model.
    pub best: bool,
    /// Mean seconds to fit the whole chain on one split's training rows.
    pub fit_seconds: f64,
    /// Scores the model computed while fitting (e.g. a forest's out-of-bag
    /// accuracy), summarized over the splits.
    pub fit_scores: BTreeMap<String, MetricSummary>,
    /// The compiled model's size and speed, when the workflow compresses some
    /// model (every evaluated model then has them, for comparison).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression: Option<Compression>,
    /// Classifiers: held-out predictions of all splits (with details only).
    pub confusion_matrix: Option<ConfusionMatrix>,
    /// Classifiers: the classes of held-out rows that no held-out
    /// prediction names (the model never predicts them), in label order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub never_predicted: Vec<NeverPredicted>,
    /// The model's own importances (with details, for models that have them).
    pub importances: Option<ModelImportances>,
    /// A linear model's coefficients (with details).
    pub coefficients: Option<Coefficients>,
    /// Raw-column permutation importance (with details, unless turned off).
    pub permutation_importance: Option<PermutationImportance>,
    /// Pooled held-out predictions (HTML charts and `mlg run --oof`).
    #[serde(skip)]
    pub held_out: HeldOut,
    /// For each entry of `held_out`, in order: its split (0-based) and its
    /// data row (0-based, the row of the data file).
    #[serde(skip)]
    pub held_out_rows: Vec<(usize, usize)>,
}

impl Evaluation {
    /// The estimate of the metric the evaluation is ranked by.
    pub fn ranking_score(&self) -> Option<f64> {
        self.metrics.get(&self.ranked_by).map(|m| m.estimate)
    }

    /// The names of `metrics` in the statement's order (alphabetical where
    /// no order was recorded).
    pub fn metric_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .metric_order
            .iter()
            .map(String::as_str)
            .filter(|m| self.metrics.contains_key(*m))
            .collect();
        for m in self.metrics.keys() {
            if !names.contains(&m.as_str()) {
                names.push(m);
            }
        }
        names
    }
}

/// The outcome of a `model NAME = select(...)` stage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Selection {
    /// The select stage's name.
    pub name: String,
    /// The winning candidate as written in the statement.
    pub chosen: String,
    /// The model stage the winner resolves to (differs from `chosen` when the
    /// candidate is itself a select).
    pub model: String,
    /// The metric the candidates were ranked by.
    pub metric: String,
    /// The method they were evaluated with, as text.
    pub method: String,
    /// Every candidate's evaluation under `method` and `metric`, ranked.
    pub candidates: Vec<Evaluation>,
    /// For `compress NAME = MODEL -> budget(...)`: how the choice was made.
    pub budget: Option<BudgetOutcome>,
}

/// How `budget(...)` chose among a model and its compressed variants.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BudgetOutcome {
    /// The budget as written, defaults filled in.
    pub budget: String,
    /// The uncompressed model.
    pub base: String,
    /// The base model's score, which candidates are measured against.
    pub base_score: f64,
    /// What the choice minimized: `size` or `latency`.
    pub objective: String,
    /// The candidates that met the budget, in the order they were tried.
    pub within: Vec<String>,
    /// Candidates whose steps could not apply to the fitted model, each with
    /// why; they are not among `candidates`.
    pub failed: Vec<(String, String)>,
}

/// Sorts `(feature, values)` into [`FeatureScore`]s, most important (largest
/// mean) first; ties keep the given order.
pub fn feature_scores(per_feature: Vec<(String, Vec<f64>)>) -> Vec<FeatureScore> {
    let mut scores: Vec<FeatureScore> = per_feature
        .into_iter()
        .map(|(feature, values)| {
            let (mean, std) = mean_std(&values);
            FeatureScore { feature, mean, std }
        })
        .collect();
    scores.sort_by(|a, b| b.mean.total_cmp(&a.mean));
    scores
}
