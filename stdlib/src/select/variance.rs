//! `variance_threshold`: drops numeric columns whose variance is not above a
//! threshold, like scikit-learn's `VarianceThreshold`.

use super::{numeric, FittedSelect};
use crate::op::{FittedTransform, OpError, Target, Transform};
use crate::registry::{invalid, param_f64};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "variance_threshold";

/// The `variance_threshold` features step. Parameter: `threshold` (≥ 0,
/// default 0). Fitting computes each selected column's population variance
/// (ddof 0) over its non-missing training values; a column is kept when that
/// variance is strictly above `threshold`. With `threshold = 0` the variance is
/// replaced by the peak-to-peak range when smaller (as scikit-learn does), so a
/// constant column whose variance is a rounding residue is dropped. A column
/// with no observed values has NaN variance and is dropped. Transforming drops
/// the other columns; kept columns pass through unchanged (missing values
/// included). All columns may be dropped. Selecting a categorical column is an
/// error.
#[derive(Clone, Debug, PartialEq)]
pub struct VarianceThreshold {
    /// A column is kept when its variance is strictly above this.
    pub threshold: f64,
}

impl VarianceThreshold {
    /// Reads the checked parameters; a negative `threshold` is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let threshold = param_f64(OP, params, "threshold", 0.0)?;
        if threshold.is_nan() || threshold < 0.0 {
            return Err(invalid(
                OP,
                format!("parameter `threshold` must be >= 0, got {threshold}"),
            ));
        }
        Ok(VarianceThreshold { threshold })
    }

    /// Fits which `selected` columns of `frame` survive; the scores are the
    /// (range-capped) variances.
    pub fn select(&self, frame: &Frame, selected: &[String]) -> Result<FittedSelect, OpError> {
        let mut scores = Vec::with_capacity(selected.len());
        for name in selected {
            let (values, missing) = numeric(OP, frame, name)?;
            let observed: Vec<f64> = values
                .iter()
                .zip(missing)
                .filter(|(v, &m)| !m && !v.is_nan())
                .map(|(v, _)| *v)
                .collect();
            let n = observed.len() as f64;
            let mean = observed.iter().sum::<f64>() / n;
            let mut var = observed.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            if self.threshold == 0.0 && !observed.is_empty() {
                let lo = observed.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = observed.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                var = var.min(hi - lo);
            }
            scores.push(var);
        }
        let keep: Vec<bool> = scores.iter().map(|&v| v > self.threshold).collect();
        Ok(FittedSelect::new(OP, selected, scores, &keep))
    }
}

impl Transform for VarianceThreshold {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        Ok(Box::new(self.select(frame, selected)?))
    }
}
