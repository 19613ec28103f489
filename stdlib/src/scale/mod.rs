//! Scaling steps (`min_max`, `robust_scale`, `max_abs`): each learns one affine
//! map `x' = x * mul + add` per selected numeric column and lowers it to
//! `Op::Scale`, so the affine-fusion pass can fold it into a following model.
//! Also the statistics helpers (observed values, numpy-style percentiles) that
//! the scalers and `drop_outliers` share.

pub mod max_abs;
pub mod min_max;
pub mod robust;

pub use max_abs::{FittedMaxAbs, MaxAbs};
pub use min_max::{FittedMinMax, MinMax};
pub use robust::{FittedRobust, Robust};

use crate::catalog::p;
use crate::op::{boxed, Lowering, OpError};
use crate::operators::{specs, OperatorDef};
use crate::preprocess::{frame_column, lowered_column, lowering_error, replace_column, set_lowered_column};
use crate::registry::column_error;
use mlg_compiler::ir::Op;
use mlg_compiler::workflow::catalog::{Default, DefaultSelector, OpKind, OpSpec, ParamType, SchemaRule};
use mlg_runtime::frame::{Column, ColumnData, Frame};

const SCALER: OpKind = OpKind::Transform {
    default_selector: DefaultSelector::Numeric,
    rule: SchemaRule::InPlace {
        fills_missing: false,
        numeric_only: true,
    },
};

const ANY_NUMBER: ParamType = ParamType::Float {
    min: f64::NEG_INFINITY,
    max: f64::INFINITY,
};

const PERCENT: ParamType = ParamType::Float { min: 0.0, max: 100.0 };

/// The scaling steps, in catalog order.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::transform(
        OpSpec {
            name: "min_max",
            kind: SCALER,
            summary: "scale each column linearly onto [min, max] using the training minimum and maximum",
            params: &[
                p(
                    "min",
                    ANY_NUMBER,
                    Default::Float(0.0),
                    "lower end of the target range",
                ),
                p(
                    "max",
                    ANY_NUMBER,
                    Default::Float(1.0),
                    "upper end of the target range (> min)",
                ),
            ],
        },
        |params| boxed(MinMax::new(params)),
    )
    .with_details("As scikit-learn's `MinMaxScaler(feature_range = (min, max))`."),
    OperatorDef::transform(
        OpSpec {
            name: "robust_scale",
            kind: SCALER,
            summary: "subtract the median and divide by the interquartile range (outlier-robust)",
            params: &[
                p(
                    "with_centering",
                    ParamType::Bool,
                    Default::Bool(true),
                    "subtract the median",
                ),
                p(
                    "with_scaling",
                    ParamType::Bool,
                    Default::Bool(true),
                    "divide by the q_low..q_high percentile range",
                ),
                p(
                    "q_low",
                    PERCENT,
                    Default::Float(25.0),
                    "lower percentile of the range",
                ),
                p(
                    "q_high",
                    PERCENT,
                    Default::Float(75.0),
                    "upper percentile of the range (> q_low)",
                ),
            ],
        },
        |params| boxed(Robust::new(params)),
    )
    .with_details("As scikit-learn's `RobustScaler`: the median and the `q_low`..`q_high` percentile range."),
    OperatorDef::transform(
        OpSpec {
            name: "max_abs",
            kind: SCALER,
            summary: "divide each column by its largest absolute training value (keeps zeros and signs)",
            params: &[],
        },
        |params| boxed(MaxAbs::new(params)),
    ),
];

/// Catalog entries of the scaling steps (derived from `DEFS`).
pub const SPECS: &[OpSpec] = &specs::<{ DEFS.len() }>(DEFS);

/// The affine map learned for one column: `x' = x * mul + add`.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnAffine {
    /// The column.
    pub column: String,
    /// The factor.
    pub mul: f64,
    /// The offset added after multiplying.
    pub add: f64,
}

/// The non-missing values of numeric column `name` of `frame` (NaN counts as
/// missing). A categorical column, an absent column or an infinite value is an
/// error naming the column.
pub(crate) fn observed_values(op: &str, frame: &Frame, name: &str) -> Result<Vec<f64>, OpError> {
    let column = frame_column(op, frame, name)?;
    let values = numeric_values(op, column)?;
    let mut observed = Vec::with_capacity(values.len());
    for (v, &m) in values.iter().zip(&column.missing) {
        if m || v.is_nan() {
            continue;
        }
        if v.is_infinite() {
            return Err(column_error(
                op,
                name,
                "holds an infinite value; remove or clip it before this step",
            ));
        }
        observed.push(*v);
    }
    Ok(observed)
}

/// The values of a numeric column, or an error naming a categorical one.
pub(crate) fn numeric_values<'a>(op: &str, column: &'a Column) -> Result<&'a [f64], OpError> {
    column.as_numeric().ok_or_else(|| {
        column_error(
            op,
            &column.name,
            format!("is categorical; {op} applies to numeric columns"),
        )
    })
}

/// The `q`-th percentile (`0 <= q <= 100`) of `sorted` (ascending, non-empty)
/// like `numpy.percentile(a, q)`, bit for bit: [`mlg_runtime::stats::quantile`]
/// at `q / 100` (numpy divides the same way).
pub(crate) fn percentile(sorted: &[f64], q: f64) -> f64 {
    mlg_runtime::stats::quantile(sorted, q / 100.0)
}

/// The median of `sorted` (ascending, non-empty): the middle value, or the mean
/// of the two middle values, like `numpy.median` ([`mlg_runtime::stats::median`]).
pub(crate) fn median(sorted: &[f64]) -> f64 {
    mlg_runtime::stats::median(sorted)
}

/// scikit-learn's `_handle_zeros_in_scale`: a scale below `10 * f64::EPSILON`
/// (a constant column) becomes 1 so dividing by it is harmless.
pub(crate) fn nonzero_scale(scale: f64) -> f64 {
    if scale < 10.0 * f64::EPSILON {
        1.0
    } else {
        scale
    }
}

/// Applies `maps` to `frame` (other columns pass through; NaN stays NaN and the
/// missing masks are kept).
pub(crate) fn apply_affine(op: &str, frame: &Frame, maps: &[ColumnAffine]) -> Result<Frame, OpError> {
    let mut out = frame.clone();
    for map in maps {
        let column = frame_column(op, frame, &map.column)?;
        let values = numeric_values(op, column)?;
        let scaled = values.iter().map(|x| x * map.mul + map.add).collect();
        let new = Column {
            name: map.column.clone(),
            data: ColumnData::Numeric(scaled),
            missing: column.missing.clone(),
        };
        replace_column(&mut out, &map.column, new);
    }
    Ok(out)
}

/// Lowers `maps` to one `Op::Scale` per column.
pub(crate) fn lower_affine(op: &str, lowering: &mut Lowering, maps: &[ColumnAffine]) -> Result<(), OpError> {
    for map in maps {
        let x = lowered_column(op, lowering, &map.column)?;
        let scale = Op::Scale {
            x,
            mul: vec![map.mul as f32],
            add: vec![map.add as f32],
        };
        let node = lowering.builder.push(scale).map_err(lowering_error(op))?;
        set_lowered_column(lowering, &map.column, node);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_match_numpy() {
        // numpy.percentile([1, 2, 4, 7, 11], q) for q = 0, 25, 37.5, 75, 100:
        // 1.0, 2.0, 3.0, 7.0, 11.0; np.median of [1, 2, 4, 7] is 3.0.
        let v = [1.0, 2.0, 4.0, 7.0, 11.0];
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 25.0), 2.0);
        assert_eq!(percentile(&v, 37.5), 3.0);
        assert_eq!(percentile(&v, 75.0), 7.0);
        assert_eq!(percentile(&v, 100.0), 11.0);
        assert_eq!(percentile(&[5.0], 30.0), 5.0);
        assert_eq!(median(&v), 4.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 7.0]), 3.0);
    }

    #[test]
    fn zero_scale_becomes_one() {
        assert_eq!(nonzero_scale(0.0), 1.0);
        assert_eq!(nonzero_scale(1e-300), 1.0);
        assert_eq!(nonzero_scale(0.5), 0.5);
    }
}
