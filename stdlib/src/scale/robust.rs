//! `robust_scale`: centres numeric columns on their median and scales them by a
//! percentile range (the interquartile range by default), like scikit-learn's
//! `RobustScaler`.

use super::{apply_affine, lower_affine, median, nonzero_scale, observed_values, percentile, ColumnAffine};
use crate::op::{FittedTransform, Lowering, OpError, Target, Transform};
use crate::registry::{invalid, param_bool, param_f64};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "robust_scale";

/// The `robust_scale` features step. Parameters: `with_centering` (subtract the
/// median, default true), `with_scaling` (divide by the percentile range,
/// default true), `q_low` / `q_high` (the percentiles of that range, defaults
/// 25.0 and 75.0, `0 <= q_low < q_high <= 100`). Fitting learns each selected
/// numeric column's median and `percentile(q_high) - percentile(q_low)` over its
/// non-missing training values, with numpy's linear interpolation; a range below
/// `10 * f64::EPSILON` becomes 1, and a column with no observed values is left
/// unchanged. Transforming maps `x` to `(x - center) / scale`; missing values
/// stay missing (NaN). Selecting a categorical column or a column holding an
/// infinite value is an error.
#[derive(Clone, Debug, PartialEq)]
pub struct Robust {
    /// Whether the training median is subtracted.
    pub with_centering: bool,
    /// Whether values are divided by the percentile range.
    pub with_scaling: bool,
    /// The lower percentile of the range, in `[0, q_high)`.
    pub q_low: f64,
    /// The upper percentile of the range, at most 100.
    pub q_high: f64,
}

impl Robust {
    /// Reads the checked parameters; percentiles outside `[0, 100]` or
    /// `q_low >= q_high` are errors.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let q_low = param_f64(OP, params, "q_low", 25.0)?;
        let q_high = param_f64(OP, params, "q_high", 75.0)?;
        for (name, q) in [("q_low", q_low), ("q_high", q_high)] {
            if !(0.0..=100.0).contains(&q) {
                return Err(invalid(
                    OP,
                    format!("parameter `{name}` must be in [0, 100], got {q}"),
                ));
            }
        }
        if q_low >= q_high {
            return Err(invalid(
                OP,
                format!("parameter `q_low` ({q_low}) must be smaller than parameter `q_high` ({q_high})"),
            ));
        }
        Ok(Robust {
            with_centering: param_bool(OP, params, "with_centering", true)?,
            with_scaling: param_bool(OP, params, "with_scaling", true)?,
            q_low,
            q_high,
        })
    }
}

/// The statistics learned for one column: `x' = (x - center) / scale`.
#[derive(Clone, Debug, PartialEq)]
pub struct RobustColumn {
    /// The column.
    pub column: String,
    /// The training median; 0 when `with_centering` is false.
    pub center: f64,
    /// The percentile range; 1 when `with_scaling` is false or the range is zero.
    pub scale: f64,
}

/// A fitted `robust_scale`: one [`RobustColumn`] per selected column.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedRobust {
    /// One per selected column, in selection order.
    pub columns: Vec<RobustColumn>,
    maps: Vec<ColumnAffine>,
}

impl Transform for Robust {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        let mut columns = Vec::with_capacity(selected.len());
        for name in selected {
            let mut observed = observed_values(OP, frame, name)?;
            observed.sort_by(f64::total_cmp);
            let (mut center, mut scale) = (0.0, 1.0);
            if !observed.is_empty() {
                if self.with_centering {
                    center = median(&observed);
                }
                if self.with_scaling {
                    let range = percentile(&observed, self.q_high) - percentile(&observed, self.q_low);
                    scale = nonzero_scale(range);
                }
            }
            columns.push(RobustColumn {
                column: name.clone(),
                center,
                scale,
            });
        }
        let maps = columns
            .iter()
            .map(|c| ColumnAffine {
                column: c.column.clone(),
                mul: 1.0 / c.scale,
                add: -c.center / c.scale,
            })
            .collect();
        Ok(Box::new(FittedRobust { columns, maps }))
    }
}

impl FittedTransform for FittedRobust {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        apply_affine(OP, frame, &self.maps)
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        lower_affine(OP, lowering, &self.maps)
    }
}
