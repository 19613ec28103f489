//! Categorical encoders that turn each selected categorical column into one
//! numeric column of the same name: `ordinal` (level index) and `target_encode`
//! (smoothed target mean per level). Both fit a [`LevelMap`] per column — a
//! number per training level plus a default for anything else — so they share
//! [`FittedLevelMap`], its transform and its lowering.

pub mod ordinal;
pub mod target;

pub use ordinal::Ordinal;
pub use target::TargetEncode;

use crate::catalog::p;
use crate::op::{boxed, FittedTransform, Lowering, OpError};
use crate::operators::{specs, OperatorDef};
use crate::preprocess::{frame_column, lowered_column, lowering_error, replace_column, set_lowered_column};
use crate::registry::column_error;
use mlg_compiler::ir::Op;
use mlg_compiler::workflow::catalog::{Default, DefaultSelector, OpKind, OpSpec, ParamType, SchemaRule};
use mlg_runtime::frame::{Column, ColumnData, Frame};

/// The encoders, in catalog order.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::transform(
        OpSpec {
            name: "ordinal",
            kind: OpKind::Transform {
                default_selector: DefaultSelector::Categorical,
                rule: SchemaRule::Encode {
                    // Missing inputs encode as -1, so the output has no missing values.
                    fills_missing: true,
                },
            },
            summary: "each level becomes its index among the sorted training levels; unseen and missing levels encode as -1",
            params: &[],
        },
        |params| boxed(Ordinal::new(params)),
    ),
    OperatorDef::transform(
        OpSpec {
            name: "target_encode",
            kind: OpKind::Transform {
                default_selector: DefaultSelector::Categorical,
                rule: SchemaRule::Encode {
                    fills_missing: true,
                },
            },
            summary: "each level becomes its smoothed mean target (binary or regression targets); unseen and missing levels get the global mean",
            params: &[p(
                "smoothing",
                ParamType::Float {
                    min: 0.0,
                    max: f64::INFINITY,
                },
                Default::Float(10.0),
                "weight m of the global mean: (n * level_mean + m * global_mean) / (n + m)",
            )],
        },
        |params| boxed(TargetEncode::new(params)),
    )
    .with_details(
        "Fitted inside each fold, on its training rows only.",
    ),
];

/// Catalog entries of the encoders (derived from `DEFS`).
pub const SPECS: &[OpSpec] = &specs::<{ DEFS.len() }>(DEFS);

/// The encoding of one categorical column: `levels` holds, for every level kept
/// at fit time, its name, its fit-time dictionary code (the code inference rows
/// carry) and its encoded value; every other input (unseen level, missing value)
/// encodes as `default`.
#[derive(Clone, Debug, PartialEq)]
pub struct LevelMap {
    /// The encoded column.
    pub column: String,
    /// Each kept level: name, fit-time dictionary code, encoded value.
    pub levels: Vec<(String, u32, f64)>,
    /// The value for an unseen level or a missing value.
    pub default: f64,
}

/// A fitted encoder: one [`LevelMap`] per selected column. `op` names the
/// operator in errors.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedLevelMap {
    /// The operator name used in errors.
    pub op: &'static str,
    /// One map per selected column, in selection order.
    pub columns: Vec<LevelMap>,
}

/// A categorical column's codes, dictionary and missing mask.
pub(crate) type CategoricalParts<'a> = (&'a [u32], &'a [String], &'a [bool]);

/// The codes, dictionary and missing mask of categorical column `name`, or an
/// error naming it when it is absent or numeric.
pub(crate) fn categorical<'a>(
    op: &str,
    frame: &'a Frame,
    name: &str,
) -> Result<CategoricalParts<'a>, OpError> {
    let column = frame_column(op, frame, name)?;
    match &column.data {
        ColumnData::Categorical { codes, levels } => Ok((codes, levels, &column.missing)),
        ColumnData::Numeric(_) => Err(column_error(
            op,
            name,
            format!("is numeric; {op} applies to categorical columns"),
        )),
    }
}

impl FittedTransform for FittedLevelMap {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        let mut out = frame.clone();
        for map in &self.columns {
            let (codes, levels, missing) = categorical(self.op, frame, &map.column)?;
            // Match by level name, so a frame with another dictionary encodes
            // the same levels; `by_code[c]` is the value of this frame's code `c`.
            let by_code: Vec<f64> = levels
                .iter()
                .map(|l| {
                    map.levels
                        .iter()
                        .find(|(name, _, _)| name == l)
                        .map_or(map.default, |&(_, _, v)| v)
                })
                .collect();
            let values = codes
                .iter()
                .zip(missing)
                .map(|(&c, &m)| match by_code.get(c as usize) {
                    Some(&v) if !m => v,
                    _ => map.default,
                })
                .collect();
            replace_column(&mut out, &map.column, Column::numeric(map.column.clone(), values));
        }
        Ok(out)
    }

    /// `OneHot` of the kept codes, then one `Affine` row with weights
    /// `value - default` and bias `default`: an all-zero one-hot (unseen code,
    /// `-1`, or NaN) yields `default`.
    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        for map in &self.columns {
            let x = lowered_column(self.op, lowering, &map.column)?;
            let node = if map.levels.is_empty() {
                lowering.builder.push(Op::Const {
                    values: vec![map.default as f32],
                })
            } else {
                let codes = map.levels.iter().map(|&(_, c, _)| c as f32).collect();
                let onehot = lowering
                    .builder
                    .push(Op::OneHot { x, codes })
                    .map_err(lowering_error(self.op))?;
                lowering.builder.push(Op::Affine {
                    x: onehot,
                    weights: map
                        .levels
                        .iter()
                        .map(|&(_, _, v)| (v - map.default) as f32)
                        .collect(),
                    bias: vec![map.default as f32],
                    missing: Vec::new(),
                })
            }
            .map_err(lowering_error(self.op))?;
            set_lowered_column(lowering, &map.column, node);
        }
        Ok(())
    }
}
