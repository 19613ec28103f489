//! Nonlinear preprocessing steps (`log1p`, `power`, `normalize`, `discretize`,
//! `clip_outliers`): each works on the selected numeric columns, keeps missing
//! values missing (NaN), and lowers to the IR's nonlinear ops (`log1p`, `pow`,
//! `compare` + `select`, `bucketize`, `min` / `max`). Also the column helpers
//! they share.

pub mod clip_outliers;
pub mod discretize;
pub mod log1p;
pub mod normalize;
pub mod power;

pub use clip_outliers::{ClipMethod, ClipOutliers, FittedClipOutliers};
pub use discretize::{Discretize, DiscretizeStrategy, FittedDiscretize};
pub use log1p::{FittedLog1p, Log1p};
pub use normalize::{FittedNormalize, Norm, Normalize};
pub use power::{FittedPower, Power};

use crate::catalog::p;
use crate::op::{boxed, Lowering, OpError};
use crate::operators::{specs, OperatorDef};
use crate::preprocess::{frame_column, lowering_error, replace_column};
use crate::scale::numeric_values;
use mlg_compiler::ir::{NodeId, Op};
use mlg_compiler::workflow::catalog::{Default, DefaultSelector, OpKind, OpSpec, ParamType, SchemaRule};
use mlg_runtime::frame::{Column, ColumnData, Frame};

/// Every step here rewrites selected numeric columns in place and keeps them missing.
const IN_PLACE_NUMERIC: OpKind = OpKind::Transform {
    default_selector: DefaultSelector::Numeric,
    rule: SchemaRule::InPlace {
        fills_missing: false,
        numeric_only: true,
    },
};

/// The nonlinear steps, in catalog order.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::transform(
        OpSpec {
            name: "log1p",
            kind: IN_PLACE_NUMERIC,
            summary: "replace each value x by ln(1 + x) (NaN below -1)",
            params: &[],
        },
        |params| boxed(Log1p::new(params)),
    ),
    OperatorDef::transform(
        OpSpec {
            name: "power",
            kind: IN_PLACE_NUMERIC,
            summary: "Yeo-Johnson power transform with a maximum-likelihood lambda per column",
            params: &[p(
                "standardize",
                ParamType::Bool,
                Default::Bool(true),
                "scale the transformed values to mean 0 and unit variance",
            )],
        },
        |params| boxed(Power::new(params)),
    ),
    OperatorDef::transform(
        OpSpec {
            name: "normalize",
            kind: IN_PLACE_NUMERIC,
            summary: "divide each row of the selected columns by its norm",
            params: &[p(
                "norm",
                ParamType::Choice(&["l2", "l1", "max"]),
                Default::Str("l2"),
                "row norm: Euclidean, sum of absolute values, or largest absolute value",
            )],
        },
        |params| boxed(Normalize::new(params)),
    ),
    OperatorDef::transform(
        OpSpec {
            name: "discretize",
            kind: IN_PLACE_NUMERIC,
            summary: "replace each value by the index of its bin (0 .. bins - 1)",
            params: &[
                p(
                    "bins",
                    ParamType::Int { min: 2, max: 65_536 },
                    Default::Int(5),
                    "number of bins per column",
                ),
                p(
                    "strategy",
                    ParamType::Choice(&["quantile", "uniform"]),
                    Default::Str("quantile"),
                    "bin edges at training quantiles or equally spaced between min and max",
                ),
            ],
        },
        |params| boxed(Discretize::new(params)),
    ),
    OperatorDef::transform(
        OpSpec {
            name: "clip_outliers",
            kind: IN_PLACE_NUMERIC,
            summary: "clip each column into bounds learned from the training rows",
            params: &[
                p(
                    "method",
                    ParamType::Choice(&["iqr", "zscore"]),
                    Default::Str("iqr"),
                    "bounds from the interquartile range or from mean and standard deviation",
                ),
                p(
                    "k",
                    ParamType::Float {
                        min: 0.0,
                        max: f64::INFINITY,
                    },
                    Default::Float(1.5),
                    "iqr: bounds are [Q1 - k IQR, Q3 + k IQR]",
                ),
                p(
                    "z",
                    ParamType::Float {
                        min: 0.0,
                        max: f64::INFINITY,
                    },
                    Default::Float(3.0),
                    "zscore: bounds are mean -/+ z std",
                ),
            ],
        },
        |params| boxed(ClipOutliers::new(params)),
    ),
];

/// Catalog entries of the nonlinear steps (derived from `DEFS`).
pub const SPECS: &[OpSpec] = &specs::<{ DEFS.len() }>(DEFS);

/// Checks that every selected column exists and is numeric; returns their names.
pub(crate) fn numeric_columns(op: &str, frame: &Frame, selected: &[String]) -> Result<Vec<String>, OpError> {
    for name in selected {
        numeric_values(op, frame_column(op, frame, name)?)?;
    }
    Ok(selected.to_vec())
}

/// `frame` with numeric column `name` replaced by `f(value)` on its non-missing
/// entries; missing entries stay NaN, and a NaN result is marked missing.
pub(crate) fn map_column(
    op: &str,
    frame: &mut Frame,
    name: &str,
    f: impl Fn(f64) -> f64,
) -> Result<(), OpError> {
    let column = frame_column(op, frame, name)?;
    let values = numeric_values(op, column)?;
    let mapped: Vec<f64> = values
        .iter()
        .zip(&column.missing)
        .map(|(&x, &m)| if m || x.is_nan() { f64::NAN } else { f(x) })
        .collect();
    let missing = mapped.iter().map(|v| v.is_nan()).collect();
    let new = Column {
        name: name.to_string(),
        data: ColumnData::Numeric(mapped),
        missing,
    };
    replace_column(frame, name, new);
    Ok(())
}

/// Appends `op` to the graph under construction, naming operator `name` on error.
pub(crate) fn push(name: &str, lowering: &mut Lowering, op: Op) -> Result<NodeId, OpError> {
    lowering.builder.push(op).map_err(lowering_error(name))
}

/// Appends a width-1 constant.
pub(crate) fn constant(name: &str, lowering: &mut Lowering, value: f32) -> Result<NodeId, OpError> {
    push(name, lowering, Op::Const { values: vec![value] })
}
