//! Structured pruning of a fitted forest (`prune(trees = f)`): keeps
//! `max(1, round((1 - f) · trees))` whole trees, so the compiled function
//! walks fewer. The subset is chosen by greedy forward selection (ordered
//! aggregation, Martínez-Muñoz & Suárez 2006): starting from none, it adds
//! the tree that brings the subset's mean leaf values closest, in squared
//! distance summed over rows and outputs, to the whole forest's, on the
//! training rows (at most [`SAMPLE_ROWS`] of them, evenly spaced). Matching
//! the whole forest's output preserves its accuracy without held-out rows,
//! which a tree's own training rows would not measure. Ties go to the
//! lower tree index, so the result is deterministic.

use super::FittedTree;
use crate::op::Matrix;
use rayon::prelude::*;

/// The fit parameter of the share of trees removed (set by `prune(trees =
/// f)`, not a catalog parameter).
pub const PRUNE_TREES: &str = "prune_trees";

/// Training rows the selection compares outputs on, at most.
pub const SAMPLE_ROWS: usize = 10_000;

/// The trees to keep when removing the share `share` of `trees`, by the
/// selection of the module doc, in their original order.
pub(super) fn select(trees: &[FittedTree], x: &Matrix, share: f64) -> Vec<usize> {
    let total = trees.len();
    let keep = (((1.0 - share) * total as f64).round() as usize).clamp(1, total);
    if keep == total {
        return (0..total).collect();
    }
    let step = x.rows.div_ceil(SAMPLE_ROWS).max(1);
    let rows: Vec<usize> = (0..x.rows).step_by(step).collect();
    // Per tree, its leaf values on the sampled rows, row-major.
    let values: Vec<Vec<f64>> = trees
        .par_iter()
        .map(|t| {
            rows.iter()
                .flat_map(|&r| t.predict_value(x.row(r)).to_vec())
                .collect()
        })
        .collect();
    let width = values.first().map_or(0, Vec::len);
    let mut whole = vec![0.0; width];
    for v in &values {
        whole.iter_mut().zip(v).for_each(|(w, v)| *w += v / total as f64);
    }
    let mut sum = vec![0.0; width];
    let mut chosen = vec![false; total];
    let mut kept = Vec::with_capacity(keep);
    for size in 1..=keep {
        let scale = 1.0 / size as f64;
        let distance = |t: usize| -> f64 {
            sum.iter()
                .zip(&values[t])
                .zip(&whole)
                .map(|((s, v), w)| ((s + v) * scale - w).powi(2))
                .sum()
        };
        let best = (0..total)
            .into_par_iter()
            .filter(|&t| !chosen[t])
            .map(|t| (distance(t), t))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let Some((_, t)) = best else { break };
        chosen[t] = true;
        kept.push(t);
        sum.iter_mut().zip(&values[t]).for_each(|(s, v)| *s += v);
    }
    kept.sort_unstable();
    kept
}

#[cfg(test)]
mod tests {
    use super::super::tests::assert_graph_matches;
    use super::super::{FittedForest, RandomForest};
    use super::*;
    use crate::models::tree::tests::{classes, load, params};
    use crate::op::Estimator;
    use mlg_compiler::workflow::catalog::Value;

    /// Squared distance of the mean leaf values of `keep` to the whole forest's.
    fn distance(trees: &[FittedTree], keep: &[usize], x: &Matrix) -> f64 {
        (0..x.rows)
            .map(|r| {
                let whole: Vec<f64> = (0..2)
                    .map(|c| {
                        trees.iter().map(|t| t.predict_value(x.row(r))[c]).sum::<f64>() / trees.len() as f64
                    })
                    .collect();
                (0..2)
                    .map(|c| {
                        let part = keep
                            .iter()
                            .map(|&t| trees[t].predict_value(x.row(r))[c])
                            .sum::<f64>();
                        (part / keep.len() as f64 - whole[c]).powi(2)
                    })
                    .sum::<f64>()
            })
            .sum()
    }

    #[test]
    fn the_kept_trees_stay_closer_to_the_forest_than_its_first_ones() {
        let (x, y) = load("breast_cancer");
        let forest = RandomForest::classifier(&params(&[("trees", Value::Int(50))]))
            .expect("params")
            .fit_forest(&x, &classes(&y))
            .expect("fit");
        let keep = select(&forest.trees, &x, 0.8);
        assert_eq!(keep.len(), 10);
        assert!(keep.windows(2).all(|w| w[0] < w[1]), "{keep:?}");
        assert_eq!(keep, select(&forest.trees, &x, 0.8), "deterministic");
        let first: Vec<usize> = (0..10).collect();
        let (chosen, naive) = (
            distance(&forest.trees, &keep, &x),
            distance(&forest.trees, &first, &x),
        );
        assert!(chosen < 0.5 * naive, "{chosen} vs the first ten trees' {naive}");
        // Through the estimator: the fitted forest holds the kept trees and
        // its graph agrees with its predictions.
        let pruned = RandomForest::classifier(&params(&[
            ("trees", Value::Int(50)),
            (PRUNE_TREES, Value::Float(0.8)),
        ]))
        .expect("params");
        let fitted = pruned.fit(&x, &classes(&y)).expect("fit");
        let text = format!("{fitted:?}");
        let forest_again: FittedForest = RandomForest::classifier(&params(&[("trees", Value::Int(50))]))
            .expect("params")
            .fit_forest(&x, &classes(&y))
            .expect("fit");
        let expected = FittedForest {
            trees: keep.iter().map(|&t| forest_again.trees[t].clone()).collect(),
            ..forest_again
        };
        assert_eq!(text, format!("{expected:?}"));
        assert_graph_matches(&expected, &x);
    }
}
