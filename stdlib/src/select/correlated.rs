//! `drop_correlated`: greedily drops numeric columns that are nearly collinear
//! with an earlier kept column.

use super::{numeric, FittedSelect};
use crate::op::{FittedTransform, OpError, Target, Transform};
use crate::registry::{invalid, param_f64};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "drop_correlated";

/// The `drop_correlated` features step. Parameter: `threshold` (in `[0, 1]`,
/// default 0.95). Fitting walks the selected columns in selection order and
/// keeps a column unless its absolute Pearson correlation with some column
/// already kept exceeds `threshold`; the first column is always kept, and a
/// dropped column never causes another one to be dropped. The correlation of a
/// pair uses the training rows where both values are present; when fewer than
/// two such rows remain or either column is constant on them, the pair counts
/// as uncorrelated (r = 0). The score of a column is its largest |r| with an
/// earlier kept column (0 for the first). Transforming drops the other
/// columns; kept columns pass through unchanged. Selecting a categorical
/// column is an error.
#[derive(Clone, Debug, PartialEq)]
pub struct DropCorrelated {
    /// A column is dropped when its |r| with a kept column exceeds this.
    pub threshold: f64,
}

impl DropCorrelated {
    /// Reads the checked parameters; a `threshold` outside `[0, 1]` is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let threshold = param_f64(OP, params, "threshold", 0.95)?;
        if !(0.0..=1.0).contains(&threshold) {
            return Err(invalid(
                OP,
                format!("parameter `threshold` must be in [0, 1], got {threshold}"),
            ));
        }
        Ok(DropCorrelated { threshold })
    }

    /// Fits which `selected` columns of `frame` survive.
    pub fn select(&self, frame: &Frame, selected: &[String]) -> Result<FittedSelect, OpError> {
        let columns: Vec<Vec<f64>> = selected
            .iter()
            .map(|name| {
                let (values, missing) = numeric(OP, frame, name)?;
                Ok(values
                    .iter()
                    .zip(missing)
                    .map(|(&v, &m)| if m { f64::NAN } else { v })
                    .collect())
            })
            .collect::<Result<_, OpError>>()?;
        let mut kept: Vec<usize> = Vec::new();
        let mut scores = Vec::with_capacity(columns.len());
        let mut keep = Vec::with_capacity(columns.len());
        for (j, col) in columns.iter().enumerate() {
            let max_r = kept
                .iter()
                .map(|&i| pearson(&columns[i], col).abs())
                .fold(0.0f64, f64::max);
            scores.push(max_r);
            let k = max_r <= self.threshold;
            if k {
                kept.push(j);
            }
            keep.push(k);
        }
        Ok(FittedSelect::new(OP, selected, scores, &keep))
    }
}

/// Pearson correlation of `a` and `b` over the rows where both are not NaN;
/// 0 when undefined (fewer than two rows, or a constant side).
pub(crate) fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let pairs: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| !x.is_nan() && !y.is_nan())
        .map(|(&x, &y)| (x, y))
        .collect();
    if pairs.len() < 2 {
        return 0.0;
    }
    let n = pairs.len() as f64;
    let ma = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let mb = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for &(x, y) in &pairs {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    if saa <= 0.0 || sbb <= 0.0 {
        return 0.0;
    }
    (sab / (saa.sqrt() * sbb.sqrt())).clamp(-1.0, 1.0)
}

impl Transform for DropCorrelated {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        Ok(Box::new(self.select(frame, selected)?))
    }
}
