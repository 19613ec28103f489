//! `one_hot`: replaces each categorical column by one 0/1 column per level seen
//! in training, like scikit-learn's `OneHotEncoder(handle_unknown="ignore")`.

use super::{frame_column, lowered_column, lowering_error};
use crate::op::{FittedTransform, Lowering, OpError, Target, Transform};
use crate::registry::{column_error, invalid, param_int};
use mlg_compiler::ir::Op;
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::{Column, ColumnData, Frame};

const OP: &str = "one_hot";

/// The `one_hot` features step. Parameter: `max_categories` (optional int ≥ 1):
/// keep only the that many most frequent training levels (ties go to the lower
/// code). Fitting learns, per selected categorical column, the levels observed
/// in the training rows (in dictionary order). Transforming replaces the column,
/// at its position, by numeric columns named `<col>=<level>`, one per kept level:
/// 1.0 where the row has that level, else 0.0; missing, unseen or dropped levels
/// encode as all zeros. Selecting a numeric column is an error.
#[derive(Clone, Debug, PartialEq)]
pub struct OneHot {
    /// Keep at most this many of the most frequent levels; `None`: all.
    pub max_categories: Option<usize>,
}

impl OneHot {
    /// Reads the checked parameters; `max_categories < 1` is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let max_categories = match param_int(OP, params, "max_categories")? {
            None => None,
            Some(m) if m >= 1 => Some(usize::try_from(m).unwrap_or(usize::MAX)),
            Some(m) => return Err(invalid(OP, format!("max_categories must be at least 1, got {m}"))),
        };
        Ok(OneHot { max_categories })
    }
}

/// The kept levels of one encoded column.
#[derive(Clone, Debug, PartialEq)]
pub struct EncodedColumn {
    /// The encoded column.
    pub column: String,
    /// Kept levels in dictionary order, each with its fit-time dictionary code
    /// (the code the inference row carries for it).
    pub levels: Vec<(String, u32)>,
}

impl EncodedColumn {
    /// Name of the output column for `level`.
    pub fn output_name(&self, level: &str) -> String {
        format!("{}={}", self.column, level)
    }
}

/// A fitted `one_hot`: the kept levels of every selected column.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedOneHot {
    /// One per selected column, in selection order.
    pub columns: Vec<EncodedColumn>,
}

impl Transform for OneHot {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        let mut columns = Vec::with_capacity(selected.len());
        for name in selected {
            let column = frame_column(OP, frame, name)?;
            let ColumnData::Categorical { codes, levels } = &column.data else {
                return Err(column_error(
                    OP,
                    name,
                    "is numeric; one_hot applies to categorical columns",
                ));
            };
            let mut counts = vec![0usize; levels.len()];
            for (&c, &m) in codes.iter().zip(&column.missing) {
                if !m && (c as usize) < levels.len() {
                    counts[c as usize] += 1;
                }
            }
            let mut kept: Vec<usize> = (0..levels.len()).filter(|&c| counts[c] > 0).collect();
            if let Some(max) = self.max_categories {
                // Most frequent first, lower code first among equal counts.
                kept.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
                kept.truncate(max);
                kept.sort_unstable();
            }
            let levels = kept.into_iter().map(|c| (levels[c].clone(), c as u32)).collect();
            columns.push(EncodedColumn {
                column: name.clone(),
                levels,
            });
        }
        Ok(Box::new(FittedOneHot { columns }))
    }
}

impl FittedTransform for FittedOneHot {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        let mut out = frame.clone();
        for enc in &self.columns {
            let column = frame_column(OP, frame, &enc.column)?;
            let ColumnData::Categorical { codes, levels } = &column.data else {
                return Err(column_error(
                    OP,
                    &enc.column,
                    "is numeric; one_hot applies to categorical columns",
                ));
            };
            // Match by level name, so a frame with a different dictionary still
            // encodes the same levels.
            let indicators: Vec<Column> = enc
                .levels
                .iter()
                .map(|(level, _)| {
                    let code = levels.iter().position(|l| l == level).map(|c| c as u32);
                    let values = codes
                        .iter()
                        .zip(&column.missing)
                        .map(|(&c, &m)| if !m && Some(c) == code { 1.0 } else { 0.0 })
                        .collect();
                    Column::numeric(enc.output_name(level), values)
                })
                .collect();
            let pos = out
                .position(&enc.column)
                .ok_or_else(|| column_error(OP, &enc.column, "is not in the frame"))?;
            out.columns.splice(pos..=pos, indicators);
        }
        Ok(out)
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        for enc in &self.columns {
            let x = lowered_column(OP, lowering, &enc.column)?;
            let mut outputs = Vec::with_capacity(enc.levels.len());
            for (level, code) in &enc.levels {
                let node = lowering
                    .builder
                    .push(Op::OneHot {
                        x,
                        codes: vec![*code as f32],
                    })
                    .map_err(lowering_error(OP))?;
                outputs.push((enc.output_name(level), node));
            }
            let pos = lowering
                .columns
                .iter()
                .position(|(n, _)| *n == enc.column)
                .ok_or_else(|| {
                    column_error(
                        OP,
                        &enc.column,
                        "is not a column of the inference graph at this step",
                    )
                })?;
            lowering.columns.splice(pos..=pos, outputs);
        }
        Ok(())
    }
}
