//! `normalize`: divides each row of the selected numeric columns by the row's
//! norm over those columns, like scikit-learn's `Normalizer`.

use super::{constant, numeric_columns, push};
use crate::op::{FittedTransform, Lowering, OpError, Target, Transform};
use crate::preprocess::{frame_column, lowered_column, replace_column, set_lowered_column};
use crate::registry::{invalid, param_str};
use crate::scale::numeric_values;
use mlg_compiler::ir::{BinaryOp, CompareOp, NodeId, Op, UnaryFn};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::{Column, ColumnData, Frame};

const OP: &str = "normalize";

/// scikit-learn's `_handle_zeros_in_scale` threshold: a smaller norm leaves the row unchanged.
const TINY_NORM: f64 = 10.0 * f64::EPSILON;

/// The row norm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Norm {
    /// `sqrt(sum x^2)`.
    L2,
    /// `sum |x|`.
    L1,
    /// `max |x|`.
    Max,
}

/// The `normalize` features step. Parameter: `norm` (`"l2"`, default, `"l1"` or
/// `"max"`). Nothing is fitted beyond the selected columns (which must be
/// numeric). Transforming divides every selected value of a row by the row's
/// norm over the selected columns; a norm below `10 * f64::EPSILON` (an all-zero
/// row) leaves the row unchanged. A row with a missing value in any selected
/// column gets NaN (missing) in all its selected columns, since its norm is
/// unknown. Lowers to `Concat`, `Mul` / `Abs`, an all-ones `Affine` sum or a
/// `Max` chain, `Sqrt`, a `Compare` + `Select` zero guard and one `Div` per
/// column.
#[derive(Clone, Debug, PartialEq)]
pub struct Normalize {
    /// The norm each row is divided by.
    pub norm: Norm,
}

impl Normalize {
    /// Reads the checked parameters; an unknown norm is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let norm = match param_str(OP, params, "norm")?.unwrap_or("l2") {
            "l2" => Norm::L2,
            "l1" => Norm::L1,
            "max" => Norm::Max,
            other => {
                return Err(invalid(
                    OP,
                    format!("parameter `norm` must be \"l2\", \"l1\" or \"max\", got \"{other}\""),
                ))
            }
        };
        Ok(Normalize { norm })
    }
}

/// A fitted `normalize`: the norm and the columns of each row it spans.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedNormalize {
    /// The norm each row is divided by.
    pub norm: Norm,
    /// The columns the norm spans, in selection order.
    pub columns: Vec<String>,
}

impl Transform for Normalize {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        Ok(Box::new(FittedNormalize {
            norm: self.norm,
            columns: numeric_columns(OP, frame, selected)?,
        }))
    }
}

/// The norm of `row` (no NaN); 1 when it is below [`TINY_NORM`].
fn row_norm(norm: Norm, row: &[f64]) -> f64 {
    let n = match norm {
        Norm::L2 => row.iter().map(|x| x * x).sum::<f64>().sqrt(),
        Norm::L1 => row.iter().map(|x| x.abs()).sum(),
        Norm::Max => row.iter().fold(0.0f64, |m, x| m.max(x.abs())),
    };
    if n < TINY_NORM {
        1.0
    } else {
        n
    }
}

impl FittedTransform for FittedNormalize {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        let mut cols: Vec<(&[f64], &[bool])> = Vec::with_capacity(self.columns.len());
        for name in &self.columns {
            let column = frame_column(OP, frame, name)?;
            cols.push((numeric_values(OP, column)?, &column.missing));
        }
        let mut outs = vec![Vec::with_capacity(frame.n_rows); cols.len()];
        let mut row = vec![0.0; cols.len()];
        for i in 0..frame.n_rows {
            let mut complete = true;
            for (slot, (values, missing)) in row.iter_mut().zip(&cols) {
                *slot = values[i];
                complete &= !missing[i] && !values[i].is_nan();
            }
            let norm = if complete {
                row_norm(self.norm, &row)
            } else {
                f64::NAN
            };
            for (out, x) in outs.iter_mut().zip(&row) {
                out.push(x / norm);
            }
        }
        let mut out = frame.clone();
        for (name, values) in self.columns.iter().zip(outs) {
            let missing = values.iter().map(|v| v.is_nan()).collect();
            let new = Column {
                name: name.clone(),
                data: ColumnData::Numeric(values),
                missing,
            };
            replace_column(&mut out, name, new);
        }
        Ok(out)
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        if self.columns.is_empty() {
            return Ok(());
        }
        let xs = self
            .columns
            .iter()
            .map(|name| lowered_column(OP, lowering, name))
            .collect::<Result<Vec<NodeId>, OpError>>()?;
        let k = xs.len();
        let v = push(OP, lowering, Op::Concat { parts: xs.clone() })?;
        let sum_all = |lowering: &mut Lowering, x: NodeId| {
            let op = Op::Affine {
                x,
                weights: vec![1.0; k],
                bias: vec![0.0],
                missing: Vec::new(),
            };
            push(OP, lowering, op)
        };
        let norm = match self.norm {
            Norm::L2 => {
                let sq = push(
                    OP,
                    lowering,
                    Op::Binary {
                        op: BinaryOp::Mul,
                        a: v,
                        b: v,
                    },
                )?;
                let s = sum_all(lowering, sq)?;
                push(
                    OP,
                    lowering,
                    Op::Unary {
                        func: UnaryFn::Sqrt,
                        x: s,
                    },
                )?
            }
            Norm::L1 => {
                let a = push(
                    OP,
                    lowering,
                    Op::Unary {
                        func: UnaryFn::Abs,
                        x: v,
                    },
                )?;
                sum_all(lowering, a)?
            }
            Norm::Max => {
                // `Max` ignores NaN in its second operand: start from `sum 0 * x`,
                // which is NaN exactly when some selected value is NaN or
                // infinite. The products come first: an affine map skips terms
                // whose weight is zero.
                let zero = constant(OP, lowering, 0.0)?;
                let zeros = push(
                    OP,
                    lowering,
                    Op::Binary {
                        op: BinaryOp::Mul,
                        a: v,
                        b: zero,
                    },
                )?;
                let probe = sum_all(lowering, zeros)?;
                let mut m = probe;
                for &x in &xs {
                    let a = push(
                        OP,
                        lowering,
                        Op::Unary {
                            func: UnaryFn::Abs,
                            x,
                        },
                    )?;
                    m = push(
                        OP,
                        lowering,
                        Op::Binary {
                            op: BinaryOp::Max,
                            a: m,
                            b: a,
                        },
                    )?;
                }
                m
            }
        };
        let tiny = constant(OP, lowering, TINY_NORM as f32)?;
        let one = constant(OP, lowering, 1.0)?;
        let small = push(
            OP,
            lowering,
            Op::Compare {
                op: CompareOp::Lt,
                a: norm,
                b: tiny,
            },
        )?;
        let safe = push(
            OP,
            lowering,
            Op::Select {
                cond: small,
                a: one,
                b: norm,
            },
        )?;
        for (name, x) in self.columns.iter().zip(xs) {
            let y = push(
                OP,
                lowering,
                Op::Binary {
                    op: BinaryOp::Div,
                    a: x,
                    b: safe,
                },
            )?;
            set_lowered_column(lowering, name, y);
        }
        Ok(())
    }
}
