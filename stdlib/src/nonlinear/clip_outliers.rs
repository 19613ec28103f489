//! `clip_outliers`: learns lower and upper bounds per selected numeric column
//! (Tukey fences or a z-score band) and clips values into them, at fit time and
//! at prediction time, instead of dropping rows.

use super::{constant, map_column, push};
use crate::clean::OutlierMethod;
use crate::op::{FittedTransform, Lowering, OpError, Target, Transform};
use crate::preprocess::{lowered_column, set_lowered_column};
use crate::scale::observed_values;
use mlg_compiler::ir::{BinaryOp, Op};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "clip_outliers";

/// How the bounds are learned: the same methods, parameters and numbers as
/// `drop_outliers` (see [`OutlierMethod`]).
pub type ClipMethod = OutlierMethod;

/// The `clip_outliers` features step. Parameters: `method` (`"iqr"`, default, or
/// `"zscore"`), `k` (fence multiplier for `iqr`, `>= 0`, default 1.5), `z`
/// (band half-width in standard deviations for `zscore`, `>= 0`, default 3.0).
/// Fitting learns `[lo, hi]` per selected numeric column from its non-missing
/// training values (a column without any gives `[-inf, inf]`). Transforming maps
/// `x` to `min(max(x, lo), hi)`; missing values stay missing. Lowers to `Max`
/// then `Min` against constants (NaN stays NaN). A categorical column or an
/// infinite training value is an error naming the column.
#[derive(Clone, Debug, PartialEq)]
pub struct ClipOutliers {
    /// How each column's bounds are learned.
    pub method: ClipMethod,
}

impl ClipOutliers {
    /// Reads the checked parameters; an unknown method or a negative or
    /// non-finite `k` / `z` is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        Ok(ClipOutliers {
            method: ClipMethod::from_params(OP, params)?,
        })
    }
}

/// The bounds learned for one column.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnBounds {
    /// The column.
    pub column: String,
    /// Smaller values are raised to it.
    pub lo: f64,
    /// Larger values are lowered to it.
    pub hi: f64,
}

/// A fitted `clip_outliers`: one [`ColumnBounds`] per selected column.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedClipOutliers {
    /// One per selected column, in selection order.
    pub bounds: Vec<ColumnBounds>,
}

/// `[lo, hi]` of `method` over `values` (any order; `[-inf, inf]` when empty).
pub(crate) fn bounds(method: ClipMethod, values: &mut [f64]) -> (f64, f64) {
    if values.is_empty() {
        return (f64::NEG_INFINITY, f64::INFINITY);
    }
    method.bounds(values)
}

/// The IR's `min(max(x, lo), hi)`: `max` keeps `x` unless `lo > x`, `min` keeps
/// it unless `hi < x`, so NaN passes through.
pub(crate) fn clip(x: f64, lo: f64, hi: f64) -> f64 {
    let x = if lo > x { lo } else { x };
    if hi < x {
        hi
    } else {
        x
    }
}

impl Transform for ClipOutliers {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        let mut out = Vec::with_capacity(selected.len());
        for name in selected {
            let mut values = observed_values(OP, frame, name)?;
            let (lo, hi) = bounds(self.method, &mut values);
            out.push(ColumnBounds {
                column: name.clone(),
                lo,
                hi,
            });
        }
        Ok(Box::new(FittedClipOutliers { bounds: out }))
    }
}

impl FittedTransform for FittedClipOutliers {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        let mut out = frame.clone();
        for b in &self.bounds {
            map_column(OP, &mut out, &b.column, |x| clip(x, b.lo, b.hi))?;
        }
        Ok(out)
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        for b in &self.bounds {
            let x = lowered_column(OP, lowering, &b.column)?;
            let lo = constant(OP, lowering, b.lo as f32)?;
            let hi = constant(OP, lowering, b.hi as f32)?;
            let above = push(
                OP,
                lowering,
                Op::Binary {
                    op: BinaryOp::Max,
                    a: x,
                    b: lo,
                },
            )?;
            let y = push(
                OP,
                lowering,
                Op::Binary {
                    op: BinaryOp::Min,
                    a: above,
                    b: hi,
                },
            )?;
            set_lowered_column(lowering, &b.column, y);
        }
        Ok(())
    }
}
