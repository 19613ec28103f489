//! `min_max`: maps each numeric column linearly so its training minimum and
//! maximum land on `min` and `max`, like scikit-learn's
//! `MinMaxScaler(feature_range=(min, max))`.

use super::{apply_affine, lower_affine, nonzero_scale, observed_values, ColumnAffine};
use crate::op::{FittedTransform, Lowering, OpError, Target, Transform};
use crate::registry::{invalid, param_f64};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "min_max";

/// The `min_max` features step. Parameters: `min` (default 0.0) and `max`
/// (default 1.0), the target range; `min < max` is required. Fitting learns
/// each selected numeric column's minimum and maximum over its non-missing
/// training values; transforming maps `x` to
/// `(x - data_min) * (max - min) / (data_max - data_min) + min`. A constant
/// column (range below `10 * f64::EPSILON`) divides by 1 instead, as
/// scikit-learn does, so its training value maps to `min`. A column with no
/// observed values is left unchanged. Values outside the training range are not
/// clipped; missing values stay missing (NaN). Selecting a categorical column or
/// a column holding an infinite value is an error.
#[derive(Clone, Debug, PartialEq)]
pub struct MinMax {
    /// What the training minimum maps to.
    pub min: f64,
    /// What the training maximum maps to; above `min`.
    pub max: f64,
}

impl MinMax {
    /// Reads the checked parameters; `min >= max` (or a non-finite end) is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let min = param_f64(OP, params, "min", 0.0)?;
        let max = param_f64(OP, params, "max", 1.0)?;
        if !min.is_finite() || !max.is_finite() {
            return Err(invalid(
                OP,
                format!("parameters `min` and `max` must be finite, got {min} and {max}"),
            ));
        }
        if min >= max {
            return Err(invalid(
                OP,
                format!("parameter `min` ({min}) must be smaller than parameter `max` ({max})"),
            ));
        }
        Ok(MinMax { min, max })
    }
}

/// The training range of one column (`None` when it had no observed values).
#[derive(Clone, Debug, PartialEq)]
pub struct DataRange {
    /// The column.
    pub column: String,
    /// The training minimum and maximum.
    pub range: Option<(f64, f64)>,
}

/// A fitted `min_max`: each column's training range and the resulting map.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedMinMax {
    /// One per selected column, in selection order.
    pub ranges: Vec<DataRange>,
    /// `mul` is scikit-learn's `scale_`, `add` its `min_`.
    pub maps: Vec<ColumnAffine>,
}

impl Transform for MinMax {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        let mut ranges = Vec::with_capacity(selected.len());
        let mut maps = Vec::with_capacity(selected.len());
        for name in selected {
            let observed = observed_values(OP, frame, name)?;
            let range = observed
                .iter()
                .fold(None, |acc: Option<(f64, f64)>, &v| match acc {
                    None => Some((v, v)),
                    Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
                });
            let (mul, add) = match range {
                None => (1.0, 0.0),
                Some((lo, hi)) => {
                    let mul = (self.max - self.min) / nonzero_scale(hi - lo);
                    (mul, self.min - lo * mul)
                }
            };
            ranges.push(DataRange {
                column: name.clone(),
                range,
            });
            maps.push(ColumnAffine {
                column: name.clone(),
                mul,
                add,
            });
        }
        Ok(Box::new(FittedMinMax { ranges, maps }))
    }
}

impl FittedTransform for FittedMinMax {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        apply_affine(OP, frame, &self.maps)
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        lower_affine(OP, lowering, &self.maps)
    }
}
