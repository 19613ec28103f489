//! Ranks the models of one statement by the estimate of its first metric:
//! larger is better, except for the losses and errors (`mse`, `rmse`, `mae`,
//! `log_loss`); a missing or NaN score ranks last; ties keep statement order.

use super::summary::Evaluation;
use std::cmp::Ordering;

/// Fills `rank` (1, 2, ...) and `best` (rank 1) of `evaluations`, which must
/// all be ranked by the same metric; their order is left as is.
pub fn rank(evaluations: &mut [Evaluation]) {
    let mut order: Vec<usize> = (0..evaluations.len()).collect();
    order.sort_by(|&a, &b| compare(&evaluations[a], &evaluations[b]));
    for (position, &i) in order.iter().enumerate() {
        evaluations[i].rank = position + 1;
        evaluations[i].best = position == 0;
    }
}

/// `Less` when `a` is the better model (stable sorts keep ties in order).
fn compare(a: &Evaluation, b: &Evaluation) -> Ordering {
    let score = |e: &Evaluation| e.ranking_score().filter(|s| !s.is_nan());
    match (score(a), score(b)) {
        (Some(x), Some(y)) => {
            if mlg_stdlib::metrics::higher_is_better(&a.ranked_by) {
                y.total_cmp(&x)
            } else {
                x.total_cmp(&y)
            }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The indices of `evaluations` in rank order.
pub fn by_rank(evaluations: &[Evaluation]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..evaluations.len()).collect();
    order.sort_by_key(|&i| evaluations[i].rank);
    order
}
