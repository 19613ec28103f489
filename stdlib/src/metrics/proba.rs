//! Metrics over predicted class probabilities: `roc_auc` (binary, and
//! one-vs-rest macro for more classes) and `log_loss`, with scikit-learn's
//! semantics.

use crate::op::OpError;
use crate::registry::invalid;

/// Names of the metrics [`probability_metric`] computes.
pub const PROBABILITY_METRICS: &[&str] = &["roc_auc", "log_loss"];

/// Metric `name` of `proba` (row-major, `n_classes` per row, rows in `y_true`'s
/// order) against the class codes `y_true`.
///
/// `roc_auc`: for two classes the area under the ROC curve of the second
/// class's probability (ties count half, the Mann-Whitney statistic); for more,
/// the unweighted mean of each class's one-vs-rest AUC (sklearn's
/// `multi_class="ovr", average="macro"`); a class absent from `y_true` or
/// present in every row makes the AUC undefined, which is an error.
/// `log_loss`: mean of `-ln p(true class)`, each row renormalized to sum 1 and
/// probabilities clipped to `[eps, 1 - eps]` with `eps` = f64 machine epsilon.
pub fn probability_metric(
    name: &str,
    y_true: &[u32],
    proba: &[f64],
    n_classes: usize,
) -> Result<f64, OpError> {
    if n_classes == 0 || proba.len() != y_true.len() * n_classes || y_true.is_empty() {
        return Err(invalid(
            name,
            format!(
                "{} probabilities for {} rows of {n_classes} classes",
                proba.len(),
                y_true.len()
            ),
        ));
    }
    if let Some(&bad) = y_true.iter().find(|&&c| c as usize >= n_classes) {
        return Err(invalid(
            name,
            format!("class code {bad} out of range for {n_classes} classes"),
        ));
    }
    let rows = || proba.chunks_exact(n_classes);
    match name {
        "log_loss" => {
            let eps = f64::EPSILON;
            let total: f64 = rows()
                .zip(y_true)
                .map(|(row, &t)| {
                    let sum: f64 = row.iter().map(|p| p.clamp(eps, 1.0 - eps)).sum();
                    -(row[t as usize].clamp(eps, 1.0 - eps) / sum).ln()
                })
                .sum();
            Ok(total / y_true.len() as f64)
        }
        "roc_auc" => {
            let auc_of = |class: usize| -> Result<f64, OpError> {
                let scores: Vec<(f64, bool)> = rows()
                    .zip(y_true)
                    .map(|(row, &t)| (row[class], t as usize == class))
                    .collect();
                auc(&scores).ok_or_else(|| {
                    invalid(
                        name,
                        format!(
                            "class {class} is absent from, or alone in, the true labels; AUC is undefined"
                        ),
                    )
                })
            };
            if n_classes == 2 {
                return auc_of(1);
            }
            let mut sum = 0.0;
            for class in 0..n_classes {
                sum += auc_of(class)?;
            }
            Ok(sum / n_classes as f64)
        }
        other => Err(invalid(other, "unknown probability metric")),
    }
}

/// Area under the ROC curve of `(score, is_positive)` pairs: the probability that
/// a random positive scores above a random negative, ties counting half. `None`
/// when either side is empty.
fn auc(scores: &[(f64, bool)]) -> Option<f64> {
    let mut sorted = scores.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let positives = sorted.iter().filter(|s| s.1).count();
    let negatives = sorted.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    // Sum of the positives' mid-ranks (1-based, ties averaged).
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let j = i + sorted[i..].iter().take_while(|s| s.0 == sorted[i].0).count();
        let mid_rank = (i + 1 + j) as f64 / 2.0;
        rank_sum += mid_rank * sorted[i..j].iter().filter(|s| s.1).count() as f64;
        i = j;
    }
    let p = positives as f64;
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64))
}
