//! `drop_outliers`: drops training rows whose selected numeric values fall
//! outside bounds learned from the training rows (Tukey's IQR fences or a
//! z-score limit).

use crate::op::{FittedTransform, Lowering, OpError, Target, Transform};
use crate::preprocess::frame_column;
use crate::registry::{invalid, param_f64, param_str};
use crate::scale::{numeric_values, observed_values, percentile};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "drop_outliers";

/// How the bounds of a column are learned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OutlierMethod {
    /// `[Q1 - k * IQR, Q3 + k * IQR]`, quartiles with numpy's linear interpolation.
    Iqr {
        /// The multiple of the interquartile range beyond each quartile.
        k: f64,
    },
    /// `mean ± z * std`, population standard deviation (ddof 0).
    ZScore {
        /// The standard deviations allowed on each side of the mean.
        z: f64,
    },
}

/// The `drop_outliers` features step. Parameters: `method` (`"iqr"` default or
/// `"zscore"`), `k` (IQR multiplier, default 1.5, `>= 0`), `z` (standard
/// deviations, default 3.0, `>= 0`). Fitting learns inclusive bounds per
/// selected numeric column from its non-missing training values (see
/// [`OutlierMethod`]) and keeps, in order, the training rows whose selected
/// values all lie within their bounds; a missing value never causes a drop, and
/// a column with no observed values drops nothing. The kept rows are reported
/// through `training_rows`; dropping every row is an error. `transform` returns
/// the frame unchanged and `lower` appends nothing, so prediction keeps every
/// row. Selecting a categorical column or a column holding an infinite value is
/// an error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DropOutliers {
    /// How each column's bounds are learned.
    pub method: OutlierMethod,
}

impl DropOutliers {
    /// Reads the checked parameters; an unknown method or a negative or
    /// non-finite `k` / `z` is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        Ok(DropOutliers {
            method: OutlierMethod::from_params(OP, params)?,
        })
    }
}

impl OutlierMethod {
    /// Reads `method` (`"iqr"`, default, or `"zscore"`), `k` (default 1.5) and
    /// `z` (default 3.0) from the checked parameters of `op`; an unknown method
    /// or a negative or non-finite `k` / `z` is an error.
    pub(crate) fn from_params(op: &str, params: &Params) -> Result<Self, OpError> {
        let k = param_f64(op, params, "k", 1.5)?;
        let z = param_f64(op, params, "z", 3.0)?;
        for (name, v) in [("k", k), ("z", z)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(invalid(
                    op,
                    format!("parameter `{name}` must be a finite number >= 0, got {v}"),
                ));
            }
        }
        match param_str(op, params, "method")?.unwrap_or("iqr") {
            "iqr" => Ok(OutlierMethod::Iqr { k }),
            "zscore" => Ok(OutlierMethod::ZScore { z }),
            other => Err(invalid(
                op,
                format!("parameter `method` must be \"iqr\" or \"zscore\", got {other:?}"),
            )),
        }
    }

    /// The inclusive `(lower, upper)` bounds of this method over the non-empty
    /// `observed` values (any order; sorted in place for `Iqr`).
    pub(crate) fn bounds(self, observed: &mut [f64]) -> (f64, f64) {
        match self {
            OutlierMethod::Iqr { k } => {
                observed.sort_by(f64::total_cmp);
                let q1 = percentile(observed, 25.0);
                let q3 = percentile(observed, 75.0);
                let iqr = q3 - q1;
                (q1 - k * iqr, q3 + k * iqr)
            }
            OutlierMethod::ZScore { z } => {
                let n = observed.len() as f64;
                let mean = observed.iter().sum::<f64>() / n;
                let var = observed.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
                let reach = z * var.sqrt();
                (mean - reach, mean + reach)
            }
        }
    }
}

/// The inclusive bounds learned for one column.
#[derive(Clone, Debug, PartialEq)]
pub struct Bounds {
    /// The column.
    pub column: String,
    /// The smallest value kept.
    pub lower: f64,
    /// The largest value kept.
    pub upper: f64,
}

/// A fitted `drop_outliers`: the bounds of each column (columns without
/// observed values have none) and the fit-frame rows that survive, ascending.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedDropOutliers {
    /// The bounds of each selected column with observed values, in selection order.
    pub bounds: Vec<Bounds>,
    /// The fit-frame rows kept, ascending.
    pub kept: Vec<usize>,
    /// Fit-frame row count, so callers can tell how many rows were dropped.
    pub n_rows: usize,
}

impl Transform for DropOutliers {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        Ok(Box::new(self.fit_bounds(frame, selected)?))
    }
}

impl DropOutliers {
    /// [`Transform::fit`] with the concrete fitted type, so callers can read
    /// the learned bounds.
    pub fn fit_bounds(&self, frame: &Frame, selected: &[String]) -> Result<FittedDropOutliers, OpError> {
        let mut bounds = Vec::with_capacity(selected.len());
        let mut keep = vec![true; frame.n_rows];
        for name in selected {
            let mut observed = observed_values(OP, frame, name)?;
            if observed.is_empty() {
                continue;
            }
            let (lower, upper) = self.method.bounds(&mut observed);
            let column = frame_column(OP, frame, name)?;
            let values = numeric_values(OP, column)?;
            // NaN fails both comparisons, so a missing value never marks a row.
            for ((k, v), &m) in keep.iter_mut().zip(values).zip(&column.missing) {
                if !m && (*v < lower || *v > upper) {
                    *k = false;
                }
            }
            bounds.push(Bounds {
                column: name.clone(),
                lower,
                upper,
            });
        }
        let kept: Vec<usize> = (0..frame.n_rows).filter(|&r| keep[r]).collect();
        if kept.is_empty() && frame.n_rows > 0 {
            return Err(invalid(
                OP,
                format!(
                    "every one of the {} training rows is an outlier; loosen `k` or `z`",
                    frame.n_rows
                ),
            ));
        }
        Ok(FittedDropOutliers {
            bounds,
            kept,
            n_rows: frame.n_rows,
        })
    }
}

impl FittedTransform for FittedDropOutliers {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        Ok(frame.clone())
    }

    fn lower(&self, _lowering: &mut Lowering) -> Result<(), OpError> {
        Ok(())
    }

    fn training_rows(&self) -> Option<&[usize]> {
        Some(&self.kept)
    }
}
