//! The confusion matrix of class predictions and the ROC curve of class
//! scores, with scikit-learn's conventions (`confusion_matrix`, `roc_curve`).

use crate::op::OpError;
use crate::registry::invalid;

/// Counts of `(true class, predicted class)` pairs: row `t`, column `p` holds
/// the number of rows whose true code is `t` and predicted code `p`
/// (`n_classes` × `n_classes`, labels in code order, as scikit-learn's
/// `confusion_matrix`). Errors on unequal lengths or a code `>= n_classes`
/// (a prediction that is not a class, such as one from a NaN output).
pub fn confusion_matrix(y_true: &[u32], y_pred: &[u32], n_classes: usize) -> Result<Vec<Vec<u64>>, OpError> {
    if y_true.len() != y_pred.len() {
        return Err(invalid(
            "confusion_matrix",
            format!("{} true values but {} predictions", y_true.len(), y_pred.len()),
        ));
    }
    let mut counts = vec![vec![0u64; n_classes]; n_classes];
    for (&t, &p) in y_true.iter().zip(y_pred) {
        let (t, p) = (t as usize, p as usize);
        if t >= n_classes || p >= n_classes {
            return Err(invalid(
                "confusion_matrix",
                format!("class code {} out of range for {n_classes} classes", t.max(p)),
            ));
        }
        counts[t][p] += 1;
    }
    Ok(counts)
}

/// The ROC curve of `(score, is_positive)` pairs: `(false positive rate, true
/// positive rate)` points from `(0, 0)` to `(1, 1)`, one per distinct score
/// taken as the threshold (`score >= threshold` is predicted positive), highest
/// threshold first — scikit-learn's `roc_curve` with `drop_intermediate =
/// false`. `None` when either class is absent (the rates are undefined).
pub fn roc_curve(scores: &[(f64, bool)]) -> Option<Vec<(f64, f64)>> {
    let positives = scores.iter().filter(|s| s.1).count();
    let negatives = scores.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut sorted = scores.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut points = vec![(0.0, 0.0)];
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut i = 0;
    while i < sorted.len() {
        let j = i + sorted[i..].iter().take_while(|s| s.0 == sorted[i].0).count();
        for s in &sorted[i..j] {
            if s.1 {
                tp += 1;
            } else {
                fp += 1;
            }
        }
        points.push((fp as f64 / negatives as f64, tp as f64 / positives as f64));
        i = j;
    }
    Some(points)
}

/// Area under a curve of points sorted by ascending `x` (trapezoidal rule).
pub fn trapezoid_area(points: &[(f64, f64)]) -> f64 {
    points
        .windows(2)
        .map(|w| (w[1].0 - w[0].0) * (w[1].1 + w[0].1) / 2.0)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_counts_rows_true_columns_predicted() {
        let m = confusion_matrix(&[0, 0, 1, 2, 2, 2], &[0, 1, 1, 2, 0, 2], 3).unwrap();
        assert_eq!(m, vec![vec![1, 1, 0], vec![0, 1, 0], vec![1, 0, 2]]);
        assert!(confusion_matrix(&[0], &[3], 3).is_err());
        assert!(confusion_matrix(&[0, 1], &[0], 3).is_err());
    }

    #[test]
    fn roc_curve_matches_sklearn_and_its_area_the_auc() {
        // sklearn: roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], drop_intermediate=False)
        let pts = roc_curve(&[(0.1, false), (0.4, false), (0.35, true), (0.8, true)]).unwrap();
        assert_eq!(
            pts,
            vec![(0.0, 0.0), (0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (1.0, 1.0)]
        );
        assert!((trapezoid_area(&pts) - 0.75).abs() < 1e-12);
        // Ties move diagonally.
        let tied = roc_curve(&[(0.5, true), (0.5, false)]).unwrap();
        assert_eq!(tied, vec![(0.0, 0.0), (1.0, 1.0)]);
        assert!(roc_curve(&[(0.5, true)]).is_none());
    }
}
