//! Out-of-bag scoring: every training row is predicted by the mean leaf value
//! of the trees whose bootstrap sample missed it; rows that every tree drew
//! are left out. Rows are scored in parallel but combined in row order, so
//! the score does not depend on the thread count.

use super::fit::{in_bag, InBag};
use crate::models::tree::{FittedTree, Labels, TreeData};
use mlg_runtime::collective::Collective;
use rayon::prelude::*;

/// The leaf value tree `tree` gives row `r` of `data` (`f32` comparisons, as
/// prediction).
fn leaf<'t>(tree: &'t FittedTree, data: &TreeData, r: usize) -> &'t [f64] {
    let mut node = &tree.nodes[0];
    while let Some(s) = &node.split {
        let x = data.cols[s.feature * data.n + r];
        node = &tree.nodes[if x <= s.threshold32 { s.left } else { s.right }];
    }
    &node.value
}

/// Out-of-bag accuracy (classes: argmax of the summed leaf probabilities,
/// lower class on ties) or R² (values: mean of the leaf values) over the rows
/// some tree missed; `None` when no row was out of bag. With `comm`, `data`
/// is this rank's share of the rows and the score covers every rank's.
pub(super) fn score(
    data: &TreeData,
    trees: &[FittedTree],
    bags: &[InBag],
    comm: Option<&dyn Collective>,
) -> Option<f64> {
    let sum = |values: &mut [f64]| {
        if let Some(c) = comm {
            c.all_reduce_f64(values);
        }
    };
    let width = data.width();
    // Per row: the summed leaf values and how many trees contributed.
    let predictions: Vec<Option<Vec<f64>>> = (0..data.n)
        .into_par_iter()
        .map(|r| {
            let mut sum = vec![0.0; width];
            let mut count = 0usize;
            for (tree, bag) in trees.iter().zip(bags) {
                if !in_bag(bag, r) {
                    sum.iter_mut().zip(leaf(tree, data, r)).for_each(|(s, v)| *s += v);
                    count += 1;
                }
            }
            (count > 0).then(|| {
                sum.iter_mut().for_each(|s| *s /= count as f64);
                sum
            })
        })
        .collect();
    match &data.labels {
        Labels::Classes { codes, .. } => {
            let (mut hits, mut scored) = (0usize, 0usize);
            for (p, &c) in predictions.iter().zip(codes) {
                let Some(p) = p else { continue };
                let mut best = 0;
                for (k, &v) in p.iter().enumerate() {
                    if v > p[best] {
                        best = k;
                    }
                }
                scored += 1;
                hits += usize::from(best == c as usize);
            }
            let mut both = [hits as f64, scored as f64];
            sum(&mut both);
            (both[1] > 0.0).then(|| both[0] / both[1])
        }
        Labels::Values(y) => {
            let pairs: Vec<(f64, f64)> = predictions
                .iter()
                .zip(y)
                .filter_map(|(p, &t)| p.as_ref().map(|p| (p[0], t)))
                .collect();
            let mut moments = [pairs.iter().map(|(_, t)| t).sum::<f64>(), pairs.len() as f64];
            sum(&mut moments);
            if moments[1] == 0.0 {
                return None;
            }
            let mean = moments[0] / moments[1];
            let mut squares = [
                pairs.iter().map(|(p, t)| (t - p).powi(2)).sum::<f64>(),
                pairs.iter().map(|(_, t)| (t - mean).powi(2)).sum::<f64>(),
            ];
            sum(&mut squares);
            let [ss_res, ss_tot] = squares;
            Some(if ss_tot > 0.0 {
                1.0 - ss_res / ss_tot
            } else if ss_res == 0.0 {
                1.0
            } else {
                0.0
            })
        }
    }
}
