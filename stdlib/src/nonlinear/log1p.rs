//! `log1p`: replaces each value `x` of the selected numeric columns by
//! `ln(1 + x)`, compressing long right tails (counts, prices, durations).

use super::{map_column, numeric_columns, push};
use crate::op::{FittedTransform, Lowering, OpError, Target, Transform};
use crate::preprocess::{lowered_column, set_lowered_column};
use mlg_compiler::ir::{Op, UnaryFn};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "log1p";

/// The `log1p` features step. No parameters. Fitting learns nothing but the
/// list of selected columns (which must be numeric). Transforming maps `x` to
/// `ln(1 + x)`: `-1` gives `-inf`, values below `-1` give NaN (marked missing),
/// and missing values stay missing. Lowers to one `Unary Log1p` per column.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Log1p;

impl Log1p {
    /// Reads the (empty) parameter list.
    pub fn new(_params: &Params) -> Result<Self, OpError> {
        Ok(Log1p)
    }
}

/// A fitted `log1p`: the columns it applies to.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedLog1p {
    /// The selected columns, in selection order.
    pub columns: Vec<String>,
}

impl Transform for Log1p {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        Ok(Box::new(FittedLog1p {
            columns: numeric_columns(OP, frame, selected)?,
        }))
    }
}

impl FittedTransform for FittedLog1p {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        let mut out = frame.clone();
        for name in &self.columns {
            map_column(OP, &mut out, name, f64::ln_1p)?;
        }
        Ok(out)
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        for name in &self.columns {
            let x = lowered_column(OP, lowering, name)?;
            let y = push(
                OP,
                lowering,
                Op::Unary {
                    func: UnaryFn::Log1p,
                    x,
                },
            )?;
            set_lowered_column(lowering, name, y);
        }
        Ok(())
    }
}
