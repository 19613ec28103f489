//! `discretize`: replaces each value of the selected numeric columns by the
//! index of its bin, like scikit-learn's `KBinsDiscretizer(encode="ordinal")`
//! (version 1.9, whose quantile edges use numpy's `averaged_inverted_cdf`).

use super::{map_column, push};
use crate::op::{FittedTransform, Lowering, OpError, Target, Transform};
use crate::preprocess::{lowered_column, set_lowered_column};
use crate::registry::{invalid, param_int, param_str};
use crate::scale::observed_values;
use mlg_compiler::ir::Op;
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "discretize";

/// Where the bin edges go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscretizeStrategy {
    /// Edges at the training percentiles `0, 100 / bins, ..., 100`.
    Quantile,
    /// Equally spaced edges from the training minimum to the maximum.
    Uniform,
}

/// The `discretize` features step. Parameters: `bins` (integer `>= 2`, default
/// 5), `strategy` (`"quantile"`, default, or `"uniform"`). Fitting learns bin
/// edges per selected numeric column from its non-missing training values:
/// `uniform` spaces `bins + 1` edges like `numpy.linspace(min, max)`; `quantile`
/// takes `numpy.percentile(values, linspace(0, 100, bins + 1),
/// method="averaged_inverted_cdf")` and drops edges within `1e-8` of the
/// previous one (so a column can end up with fewer bins). A constant column, or
/// one without observed values, gets a single bin. Transforming maps `x` to the
/// number of inner edges `<= x` (0 .. bins - 1, values outside the training
/// range land in the first or last bin); missing values stay missing. Lowers to
/// `Bucketize` over the inner edges rounded to `f32`, so a value within `f32`
/// rounding of an edge may land in the neighbouring bin in compiled code.
#[derive(Clone, Debug, PartialEq)]
pub struct Discretize {
    /// The number of bins asked for, `>= 2`.
    pub bins: usize,
    /// Where the edges go.
    pub strategy: DiscretizeStrategy,
}

impl Discretize {
    /// Reads the checked parameters; `bins < 2` or an unknown strategy is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let bins = param_int(OP, params, "bins")?.unwrap_or(5);
        let bins = usize::try_from(bins)
            .ok()
            .filter(|&b| (2..=65_536).contains(&b))
            .ok_or_else(|| invalid(OP, format!("parameter `bins` must be in 2..=65536, got {bins}")))?;
        let strategy = match param_str(OP, params, "strategy")?.unwrap_or("quantile") {
            "quantile" => DiscretizeStrategy::Quantile,
            "uniform" => DiscretizeStrategy::Uniform,
            other => {
                return Err(invalid(
                    OP,
                    format!("parameter `strategy` must be \"quantile\" or \"uniform\", got \"{other}\""),
                ))
            }
        };
        Ok(Discretize { bins, strategy })
    }
}

/// The bins learned for one column: bin `i` is `[inner[i - 1], inner[i])`.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnBins {
    /// The column.
    pub column: String,
    /// The edges between bins, ascending (empty for a single bin).
    pub inner: Vec<f64>,
}

/// A fitted `discretize`: one [`ColumnBins`] per selected column.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedDiscretize {
    /// One per selected column, in selection order.
    pub columns: Vec<ColumnBins>,
}

/// `numpy.linspace(0, 100, bins + 1)[i]`: `i * (100 / bins)`, the last exactly 100.
fn percent_level(i: usize, bins: usize) -> f64 {
    if i == bins {
        100.0
    } else {
        i as f64 * (100.0 / bins as f64)
    }
}

/// numpy's `percentile(sorted, level, method="averaged_inverted_cdf")` for
/// `sorted` ascending and non-empty, in numpy's order of operations.
pub(crate) fn averaged_inverted_cdf(sorted: &[f64], level: f64) -> f64 {
    let n = sorted.len();
    let virtual_index = n as f64 * (level / 100.0) - 1.0;
    if virtual_index >= (n - 1) as f64 {
        return sorted[n - 1];
    }
    if virtual_index < 0.0 {
        return sorted[0];
    }
    let prev = virtual_index.floor();
    let gamma = if virtual_index - prev == 0.0 { 0.5 } else { 1.0 };
    let (a, b) = (sorted[prev as usize], sorted[prev as usize + 1]);
    let diff = b - a;
    // numpy's lerp: from the far end when gamma >= 0.5 (always here).
    b - diff * (1.0 - gamma)
}

/// The full edge list (`bins + 1` values, or fewer after dropping near-duplicate
/// quantile edges) of `values` (any order, non-empty, not constant).
fn edges(strategy: DiscretizeStrategy, bins: usize, values: &mut [f64], min: f64, max: f64) -> Vec<f64> {
    match strategy {
        DiscretizeStrategy::Uniform => {
            let step = (max - min) / bins as f64;
            (0..=bins)
                .map(|i| if i == bins { max } else { i as f64 * step + min })
                .collect()
        }
        DiscretizeStrategy::Quantile => {
            values.sort_by(f64::total_cmp);
            let all = (0..=bins).map(|i| averaged_inverted_cdf(values, percent_level(i, bins)));
            let mut kept: Vec<f64> = Vec::with_capacity(bins + 1);
            for e in all {
                if kept.last().is_none_or(|&last| e - last > 1e-8) {
                    kept.push(e);
                }
            }
            kept
        }
    }
}

impl Transform for Discretize {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        let mut columns = Vec::with_capacity(selected.len());
        for name in selected {
            let mut values = observed_values(OP, frame, name)?;
            let min = values.iter().copied().fold(f64::INFINITY, f64::min);
            let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let inner = if values.is_empty() || min == max {
                Vec::new()
            } else {
                let all = edges(self.strategy, self.bins, &mut values, min, max);
                all[1..all.len().saturating_sub(1).max(1)].to_vec()
            };
            columns.push(ColumnBins {
                column: name.clone(),
                inner,
            });
        }
        Ok(Box::new(FittedDiscretize { columns }))
    }
}

impl FittedTransform for FittedDiscretize {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        let mut out = frame.clone();
        for c in &self.columns {
            map_column(OP, &mut out, &c.column, |x| {
                c.inner.partition_point(|&e| e <= x) as f64
            })?;
        }
        Ok(out)
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        for c in &self.columns {
            let x = lowered_column(OP, lowering, &c.column)?;
            let edges = c.inner.iter().map(|&e| e as f32).collect();
            let y = push(OP, lowering, Op::Bucketize { x, edges })?;
            set_lowered_column(lowering, &c.column, y);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averaged_inverted_cdf_matches_numpy() {
        // np.percentile([1, 2, 4, 7], q, method="averaged_inverted_cdf") for
        // q = 0, 25, 50, 60, 100: 1.0, 1.5, 3.0, 4.0, 7.0.
        let v = [1.0, 2.0, 4.0, 7.0];
        let got: Vec<f64> = [0.0, 25.0, 50.0, 60.0, 100.0]
            .iter()
            .map(|&q| averaged_inverted_cdf(&v, q))
            .collect();
        assert_eq!(got, [1.0, 1.5, 3.0, 4.0, 7.0]);
    }
}
