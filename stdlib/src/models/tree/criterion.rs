//! Impurity bookkeeping: per-node weighted statistics and scikit-learn's
//! impurity and proxy formulas for gini, entropy and squared error (absolute
//! error lives in `mae`).

use super::data::{Labels, TreeData};
use super::mae::Mae;
use super::Criterion;

/// Weighted statistics of a node's rows. `sums` holds per-class weights
/// (classifier) or `[Σ w·y]` (regressor); `sq` is `Σ w·y·y`; `median` and
/// `abs_error` (`Σ w·|y − median|`) are only set under absolute error.
#[derive(Clone, Debug)]
pub(crate) struct NodeStats {
    /// Rows (not weights) in the node.
    pub n: usize,
    /// Summed row weights.
    pub w: f64,
    pub sums: Vec<f64>,
    pub sq: f64,
    pub median: f64,
    pub abs_error: f64,
}

impl NodeStats {
    /// The statistics of `rows` under `criterion` (`mae` is scratch space for
    /// absolute error).
    pub(crate) fn of(
        data: &TreeData,
        weight: &[f64],
        rows: &[u32],
        criterion: Criterion,
        mae: &mut Mae,
    ) -> Self {
        let mut stats = NodeStats {
            n: rows.len(),
            w: 0.0,
            sums: vec![0.0; data.width()],
            sq: 0.0,
            median: 0.0,
            abs_error: 0.0,
        };
        match &data.labels {
            Labels::Classes { codes, .. } => {
                for &r in rows {
                    let w = weight[r as usize];
                    stats.w += w;
                    stats.sums[codes[r as usize] as usize] += w;
                }
            }
            Labels::Values(y) => {
                for &r in rows {
                    let (w, y) = (weight[r as usize], y[r as usize]);
                    stats.w += w;
                    let wy = w * y;
                    stats.sums[0] += wy;
                    stats.sq += wy * y;
                }
                if criterion == Criterion::AbsoluteError {
                    let (median, abs_error) = mae.node(y, weight, rows);
                    stats.median = median;
                    stats.abs_error = abs_error;
                }
            }
        }
        stats
    }

    /// The node's impurity under `criterion`.
    pub(crate) fn impurity(&self, criterion: Criterion) -> f64 {
        match criterion {
            Criterion::AbsoluteError => self.abs_error / self.w,
            _ => impurity(criterion, &self.sums, self.sq, self.w),
        }
    }

    /// The node's value: class fractions, the mean, or the median.
    pub(crate) fn value(&self, criterion: Criterion) -> Vec<f64> {
        match criterion {
            Criterion::AbsoluteError => vec![self.median],
            _ => self.sums.iter().map(|s| s / self.w).collect(),
        }
    }
}

/// Impurity from the class weights (or `[Σwy]`), `Σwy²` and the weight `w`
/// (gini, entropy, squared error).
pub(crate) fn impurity(criterion: Criterion, sums: &[f64], sq: f64, w: f64) -> f64 {
    match criterion {
        Criterion::Gini => 1.0 - sums.iter().map(|c| c * c).sum::<f64>() / (w * w),
        Criterion::Entropy => sums
            .iter()
            .filter(|&&c| c > 0.0)
            .map(|&c| {
                let p = c / w;
                -p * (p.ln() / std::f64::consts::LN_2)
            })
            .sum(),
        Criterion::SquaredError | Criterion::AbsoluteError => sq / w - (sums[0] / w).powi(2),
    }
}

/// scikit-learn's `proxy_impurity_improvement` of a split with left / right
/// class weights (or `[Σwy]`) and weights `wl`, `wr` (not absolute error).
#[inline]
pub(crate) fn proxy(criterion: Criterion, left: &[f64], right: &[f64], wl: f64, wr: f64) -> f64 {
    match criterion {
        Criterion::SquaredError | Criterion::AbsoluteError => {
            left[0] * left[0] / wl + right[0] * right[0] / wr
        }
        Criterion::Gini => {
            // 1 - Σc²/w² per side, as scikit-learn's children_impurity.
            let gl = 1.0 - left.iter().map(|c| c * c).sum::<f64>() / (wl * wl);
            let gr = 1.0 - right.iter().map(|c| c * c).sum::<f64>() / (wr * wr);
            -wr * gr - wl * gl
        }
        Criterion::Entropy => {
            -wr * impurity(criterion, right, 0.0, wr) - wl * impurity(criterion, left, 0.0, wl)
        }
    }
}
