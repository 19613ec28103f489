//! `max_abs`: divides each numeric column by its largest absolute training
//! value, like scikit-learn's `MaxAbsScaler` (no shift, so zeros and signs are
//! kept).

use super::{apply_affine, lower_affine, nonzero_scale, observed_values, ColumnAffine};
use crate::op::{FittedTransform, Lowering, OpError, Target, Transform};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "max_abs";

/// The `max_abs` features step; it has no parameters. Fitting learns each
/// selected numeric column's largest absolute value over its non-missing
/// training values (a maximum below `10 * f64::EPSILON`, e.g. an all-zero
/// column, becomes 1; a column with no observed values is left unchanged).
/// Transforming maps `x` to `x / max_abs`, so training values land in
/// `[-1, 1]`; missing values stay missing (NaN). Selecting a categorical column
/// or a column holding an infinite value is an error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MaxAbs;

impl MaxAbs {
    /// Reads the checked parameters (there are none).
    pub fn new(_params: &Params) -> Result<Self, OpError> {
        Ok(MaxAbs)
    }
}

/// A fitted `max_abs`: the divisor of each selected column, in selection order.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedMaxAbs {
    /// `(column, scale)`: scikit-learn's `scale_`.
    pub scales: Vec<(String, f64)>,
    maps: Vec<ColumnAffine>,
}

impl Transform for MaxAbs {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        let mut scales = Vec::with_capacity(selected.len());
        for name in selected {
            let observed = observed_values(OP, frame, name)?;
            let max = observed.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            scales.push((name.clone(), nonzero_scale(max)));
        }
        let maps = scales
            .iter()
            .map(|(column, scale)| ColumnAffine {
                column: column.clone(),
                mul: 1.0 / scale,
                add: 0.0,
            })
            .collect();
        Ok(Box::new(FittedMaxAbs { scales, maps }))
    }
}

impl FittedTransform for FittedMaxAbs {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        apply_affine(OP, frame, &self.maps)
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        lower_affine(OP, lowering, &self.maps)
    }
}
