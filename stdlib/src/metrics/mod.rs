//! Evaluation metrics with scikit-learn semantics: classification metrics over
//! class codes and regression metrics over real values.

pub mod confusion;
mod proba;
mod spec;

pub use confusion::{confusion_matrix, roc_curve};
pub use proba::{probability_metric, PROBABILITY_METRICS};
pub(crate) use spec::DEFS;

use crate::op::OpError;
use crate::registry::invalid;
use mlg_compiler::workflow::catalog::Task;

/// Names of the classification metrics [`classification_metric`] computes.
pub const CLASSIFICATION_METRICS: &[&str] = &[
    "accuracy",
    "precision_macro",
    "precision_weighted",
    "recall_macro",
    "recall_weighted",
    "f1_macro",
    "f1_weighted",
    "precision_micro",
    "recall_micro",
    "f1_micro",
    "precision",
    "recall",
    "f1",
    "balanced_accuracy",
    "roc_auc",
    "log_loss",
];

/// Names of the regression metrics [`regression_metric`] computes.
pub const REGRESSION_METRICS: &[&str] = &["mse", "rmse", "mae", "r2"];

/// The task metric `name` scores, `None` for an unknown metric.
pub fn metric_task(name: &str) -> Option<Task> {
    if CLASSIFICATION_METRICS.contains(&name) {
        Some(Task::Classification)
    } else if REGRESSION_METRICS.contains(&name) {
        Some(Task::Regression)
    } else {
        None
    }
}

/// Metrics where a smaller value is better (losses and errors); every other
/// metric is better when larger.
pub const LOWER_IS_BETTER: &[&str] = &["mse", "rmse", "mae", "log_loss"];

/// True when a larger value of metric `name` means a better model (false for
/// the losses and errors in [`LOWER_IS_BETTER`]).
pub fn higher_is_better(name: &str) -> bool {
    !LOWER_IS_BETTER.contains(&name)
}

/// Classification metric `name` of predictions `y_pred` against `y_true` (class
/// codes below `n_classes`). Averages follow scikit-learn: `*_macro` is the
/// unweighted mean over the labels present in `y_true ∪ y_pred`, `*_weighted`
/// weights each label by its support in `y_true`; a ratio with a zero denominator
/// counts as 0 (`zero_division = 0`). Errors on an unknown name, unequal or zero
/// lengths, or a code `>= n_classes`.
pub fn classification_metric(
    name: &str,
    y_true: &[u32],
    y_pred: &[u32],
    n_classes: usize,
) -> Result<f64, OpError> {
    if metric_task(name) != Some(Task::Classification) {
        return Err(invalid(name, "unknown classification metric"));
    }
    check_lengths(name, y_true.len(), y_pred.len())?;
    if let Some(&bad) = y_true.iter().chain(y_pred).find(|&&c| c as usize >= n_classes) {
        return Err(invalid(
            name,
            format!("class code {bad} out of range for {n_classes} classes"),
        ));
    }
    if PROBABILITY_METRICS.contains(&name) {
        return Err(invalid(
            name,
            "needs predicted probabilities; use probability_metric",
        ));
    }
    // Micro averages of single-label predictions all equal the accuracy.
    if matches!(name, "accuracy" | "precision_micro" | "recall_micro" | "f1_micro") {
        let correct = y_true.iter().zip(y_pred).filter(|(t, p)| t == p).count();
        return Ok(correct as f64 / y_true.len() as f64);
    }
    if matches!(name, "precision" | "recall" | "f1") && n_classes != 2 {
        return Err(invalid(
            name,
            format!("`{name}` scores the positive class of a binary target, but there are {n_classes} classes; use `{name}_macro`"),
        ));
    }
    let (mut tp, mut n_true, mut n_pred) = (
        vec![0usize; n_classes],
        vec![0usize; n_classes],
        vec![0usize; n_classes],
    );
    for (&t, &p) in y_true.iter().zip(y_pred) {
        n_true[t as usize] += 1;
        n_pred[p as usize] += 1;
        if t == p {
            tp[t as usize] += 1;
        }
    }
    let ratio = |num: usize, den: usize| if den == 0 { 0.0 } else { num as f64 / den as f64 };
    let per_class = |c: usize| -> f64 {
        let precision = ratio(tp[c], n_pred[c]);
        let recall = ratio(tp[c], n_true[c]);
        match name {
            "precision_macro" | "precision_weighted" | "precision" => precision,
            "recall_macro" | "recall_weighted" | "recall" | "balanced_accuracy" => recall,
            // 2PR/(P+R) = 2TP / (2TP + FP + FN); zero when the denominator is.
            _ => ratio(2 * tp[c], n_true[c] + n_pred[c]),
        }
    };
    match name {
        // The positive class is the second label (code 1), as scikit-learn's pos_label=1.
        "precision" | "recall" | "f1" => return Ok(per_class(1)),
        // Mean recall over the classes present in `y_true`.
        "balanced_accuracy" => {
            let classes: Vec<usize> = (0..n_classes).filter(|&c| n_true[c] > 0).collect();
            return Ok(classes.iter().map(|&c| ratio(tp[c], n_true[c])).sum::<f64>() / classes.len() as f64);
        }
        _ => {}
    }
    let present: Vec<usize> = (0..n_classes).filter(|&c| n_true[c] + n_pred[c] > 0).collect();
    if name.ends_with("_macro") {
        Ok(present.iter().map(|&c| per_class(c)).sum::<f64>() / present.len() as f64)
    } else {
        let total: usize = n_true.iter().sum();
        Ok(present
            .iter()
            .map(|&c| per_class(c) * n_true[c] as f64)
            .sum::<f64>()
            / total as f64)
    }
}

/// Regression metric `name` (`mse`, `rmse`, `mae`, `r2`) of `y_pred` against
/// `y_true`. `r2` is `1 - SS_res / SS_tot`; a constant `y_true` (SS_tot = 0) gives
/// 1.0 for a perfect prediction and 0.0 otherwise (scikit-learn's
/// `force_finite`). Errors on an unknown name or unequal or zero lengths.
pub fn regression_metric(name: &str, y_true: &[f64], y_pred: &[f64]) -> Result<f64, OpError> {
    if metric_task(name) != Some(Task::Regression) {
        return Err(invalid(name, "unknown regression metric"));
    }
    check_lengths(name, y_true.len(), y_pred.len())?;
    let n = y_true.len() as f64;
    let pairs = || y_true.iter().zip(y_pred);
    let ss_res: f64 = pairs().map(|(t, p)| (t - p) * (t - p)).sum();
    Ok(match name {
        "mse" => ss_res / n,
        "rmse" => (ss_res / n).sqrt(),
        "mae" => pairs().map(|(t, p)| (t - p).abs()).sum::<f64>() / n,
        _ => {
            let mean = y_true.iter().sum::<f64>() / n;
            let ss_tot: f64 = y_true.iter().map(|t| (t - mean) * (t - mean)).sum();
            if ss_tot == 0.0 {
                if ss_res == 0.0 {
                    1.0
                } else {
                    0.0
                }
            } else {
                1.0 - ss_res / ss_tot
            }
        }
    })
}

fn check_lengths(name: &str, n_true: usize, n_pred: usize) -> Result<(), OpError> {
    if n_true != n_pred {
        return Err(invalid(
            name,
            format!("{n_true} true values but {n_pred} predictions"),
        ));
    }
    if n_true == 0 {
        return Err(invalid(name, "no rows to score"));
    }
    Ok(())
}
