//! `fixed_threshold` and `tuned_threshold`: a binary classifier's decision
//! threshold, like scikit-learn's `FixedThresholdClassifier` and
//! `TunedThresholdClassifierCV`. Both wrap a nested classifier (`model =
//! logistic_regression(class_weight = "balanced")`) and predict the positive
//! class — the second label of the target, the one the `f1`, `precision`
//! and `recall` metrics score — when its probability is at least the
//! threshold. The threshold is a constant of the lowered graph (a `Compare`
//! and a `Select` after the model's probabilities), so the compiled artifact
//! carries it.
//!
//! `tuned_threshold` picks the threshold on out-of-fold probabilities of the
//! training rows: the nested model is fitted on `k` stratified folds, each
//! held-out fold's probabilities are pooled, and every cut between two
//! distinct pooled probabilities is scored by `metric` (the highest of the
//! best cuts wins; the threshold is the midpoint of the two probabilities).
//! The model is then refitted on every training row. scikit-learn's
//! `TunedThresholdClassifierCV` scores 100 thresholds per fold and averages
//! the folds' curves instead; both pick the threshold where the pooled
//! score is highest, up to the grid.

mod fitted;
mod spec;
#[cfg(test)]
mod tests;

pub use fitted::FittedThreshold;
pub(crate) use spec::DEFS;

use crate::op::{Estimator, FittedModel, Matrix, OpError, Target};
use crate::registry::{invalid, param_f64, param_int, param_model, param_str};
use mlg_compiler::workflow::catalog::{Params, Task};

/// Catalog name of the fixed-threshold wrapper.
pub const FIXED: &str = "fixed_threshold";
/// Catalog name of the tuned-threshold wrapper.
pub const TUNED: &str = "tuned_threshold";

/// What a tuned threshold maximises over the out-of-fold probabilities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThresholdMetric {
    /// F1 of the positive class.
    F1,
    /// The mean of the two classes' recalls.
    BalancedAccuracy,
    /// The share of rows predicted right.
    Accuracy,
}

impl ThresholdMetric {
    /// The metric of the confusion counts `[tp, fp, fn, tn]`.
    fn score(self, [tp, fp, fne, tn]: [f64; 4]) -> f64 {
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        match self {
            ThresholdMetric::F1 => ratio(2.0 * tp, 2.0 * tp + fp + fne),
            ThresholdMetric::BalancedAccuracy => (ratio(tp, tp + fne) + ratio(tn, tn + fp)) / 2.0,
            ThresholdMetric::Accuracy => ratio(tp + tn, tp + fp + fne + tn),
        }
    }
}

/// How the threshold is set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Choice {
    /// This threshold.
    Fixed(f64),
    /// Tuned on `k` stratified folds (shuffled with `seed`) for `metric`.
    Tuned {
        /// What the threshold maximises.
        metric: ThresholdMetric,
        /// Folds of the inner cross-validation.
        k: usize,
        /// Seed of the folds' shuffle.
        seed: u64,
    },
}

/// A binary classifier with a decision threshold.
pub struct Threshold {
    /// The nested model's catalog name.
    pub model: String,
    /// The nested classifier.
    pub inner: Box<dyn Estimator>,
    /// How the threshold is set.
    pub choice: Choice,
}

impl std::fmt::Debug for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Threshold")
            .field("model", &self.model)
            .field("choice", &self.choice)
            .finish_non_exhaustive()
    }
}

impl Threshold {
    /// `fixed_threshold` (`tuned = false`) or `tuned_threshold` from its
    /// checked parameters; a nested model that is not a classifier, or an
    /// out-of-range parameter, is an error.
    pub fn new(params: &Params, tuned: bool) -> Result<Self, OpError> {
        let op = if tuned { TUNED } else { FIXED };
        let (name, model_params) = param_model(op, params, "model")?.ok_or_else(|| {
            invalid(
                op,
                "needs the parameter `model`, e.g. `model = logistic_regression(class_weight = \"balanced\")`",
            )
        })?;
        let inner =
            crate::registry::estimator(name, model_params).map_err(|e| invalid(op, format!("model: {e}")))?;
        if inner.task() != Task::Classification {
            return Err(invalid(
                op,
                format!("model: {name} is a regressor; a threshold needs a classifier"),
            ));
        }
        let choice = if tuned {
            let metric = match param_str(op, params, "metric")?.unwrap_or("f1") {
                "f1" => ThresholdMetric::F1,
                "balanced_accuracy" => ThresholdMetric::BalancedAccuracy,
                "accuracy" => ThresholdMetric::Accuracy,
                other => {
                    return Err(invalid(
                        op,
                        format!(
                            "metric must be \"f1\", \"balanced_accuracy\" or \"accuracy\", got {other:?}"
                        ),
                    ))
                }
            };
            let k = param_int(op, params, "k")?.unwrap_or(5);
            if !(2..=100).contains(&k) {
                return Err(invalid(op, format!("k must be in 2..=100, got {k}")));
            }
            let seed = param_int(op, params, "seed")?.unwrap_or(0);
            let seed =
                u64::try_from(seed).map_err(|_| invalid(op, format!("seed must be >= 0, got {seed}")))?;
            Choice::Tuned {
                metric,
                k: k as usize,
                seed,
            }
        } else {
            let t = param_f64(op, params, "threshold", 0.5)?;
            if !(0.0..=1.0).contains(&t) {
                return Err(invalid(op, format!("threshold must be in [0, 1], got {t}")));
            }
            Choice::Fixed(t)
        };
        Ok(Threshold {
            model: name.to_string(),
            inner,
            choice,
        })
    }

    fn op(&self) -> &'static str {
        match self.choice {
            Choice::Fixed(_) => FIXED,
            Choice::Tuned { .. } => TUNED,
        }
    }

    /// The threshold of [`Choice::Tuned`]: the best cut of the out-of-fold
    /// probabilities of class `positive` over `k` folds of `x`, `y`.
    fn tune(
        &self,
        x: &Matrix,
        y: &Target,
        positive: u32,
        metric: ThresholdMetric,
        (k, seed): (usize, u64),
    ) -> Result<f64, OpError> {
        let op = self.op();
        if mlg_runtime::collective::current().size() > 1 {
            return Err(invalid(
                op,
                "does not run on rows spread over ranks; use fixed_threshold there",
            ));
        }
        let Target::Classes { codes, .. } = y else {
            return Err(invalid(op, "needs class labels"));
        };
        let splits =
            crate::eval::kfold(x.rows, k, true, seed, Some(codes)).map_err(|e| invalid(op, e.to_string()))?;
        let mut proba = vec![0f32; x.rows];
        for split in &splits {
            let fitted = self.inner.fit(&x.take(&split.train), &y.take(&split.train))?;
            let held_out = fitted::positive_proba(op, fitted.as_ref(), &x.take(&split.test), positive)?;
            for (&r, p) in split.test.iter().zip(held_out) {
                proba[r] = p;
            }
        }
        let positives: Vec<bool> = codes.iter().map(|&c| c == positive).collect();
        Ok(best_cut(&proba, &positives, metric))
    }
}

/// The threshold maximising `metric` when rows with `proba >= threshold` are
/// predicted positive: every cut between two distinct probabilities (and
/// above the largest) is scored; the highest of the best cuts wins, placed
/// halfway between the probabilities either side of it.
pub fn best_cut(proba: &[f32], positive: &[bool], metric: ThresholdMetric) -> f64 {
    let mut order: Vec<usize> = (0..proba.len()).collect();
    order.sort_by(|&a, &b| proba[b].total_cmp(&proba[a]));
    let total_pos = positive.iter().filter(|&&p| p).count() as f64;
    let total_neg = proba.len() as f64 - total_pos;
    let score = |tp: f64, fp: f64| metric.score([tp, fp, total_pos - tp, total_neg - fp]);
    // Nothing predicted positive: a threshold above every probability.
    let top = order.first().map_or(1.0, |&i| f64::from(proba[i]));
    let (mut best, mut threshold) = (score(0.0, 0.0), (top + 1.0) / 2.0 + f64::EPSILON);
    let (mut tp, mut fp) = (0.0, 0.0);
    for (n, &i) in order.iter().enumerate() {
        if positive[i] {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        let here = f64::from(proba[i]);
        let next = order.get(n + 1).map(|&j| f64::from(proba[j]));
        if next == Some(here) {
            continue;
        }
        let s = score(tp, fp);
        if s > best {
            best = s;
            threshold = match next {
                Some(lower) => (here + lower) / 2.0,
                None => here,
            };
        }
    }
    threshold.clamp(0.0, 1.0)
}

impl Estimator for Threshold {
    fn task(&self) -> Task {
        Task::Classification
    }

    /// Errors unless `y` holds exactly two classes; fits the nested model on
    /// every row (after the inner folds of a tuned threshold).
    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        let op = self.op();
        let Target::Classes { codes, labels } = y else {
            return Err(invalid(op, "needs class labels; a threshold splits two classes"));
        };
        let mut present = vec![false; labels.len()];
        for &c in codes {
            if let Some(p) = present.get_mut(c as usize) {
                *p = true;
            }
        }
        let classes: Vec<u32> = (0..labels.len() as u32)
            .filter(|&c| present[c as usize])
            .collect();
        let [negative, positive] = classes[..] else {
            return Err(invalid(
                op,
                format!(
                    "needs a target of two classes; the training rows hold {}",
                    classes.len()
                ),
            ));
        };
        let threshold = match self.choice {
            Choice::Fixed(t) => t,
            Choice::Tuned { metric, k, seed } => self.tune(x, y, positive, metric, (k, seed))?,
        };
        Ok(Box::new(FittedThreshold {
            op,
            inner: self.inner.fit(x, y)?,
            negative,
            positive,
            threshold,
            tuned: matches!(self.choice, Choice::Tuned { .. }),
        }))
    }
}
