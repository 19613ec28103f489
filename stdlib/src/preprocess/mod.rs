//! Preprocessing steps (fit on training rows, transform any frame, lower to the
//! inference IR) and the column helpers they share.

pub mod impute;
pub mod knn;
pub mod one_hot;
pub mod standardize;

pub use impute::{FittedImpute, Impute, ImputeStrategy};
pub use knn::FittedKnnImpute;
pub use one_hot::{FittedOneHot, OneHot};
pub use standardize::{FittedStandardize, Standardize};

use crate::op::{Lowering, OpError};
use crate::registry::column_error;
use mlg_compiler::ir::{NodeId, VerifyError};
use mlg_runtime::frame::{Column, Frame};

/// The column `name` of `frame`, or an error naming it and listing the columns
/// that exist.
pub(crate) fn frame_column<'a>(op: &str, frame: &'a Frame, name: &str) -> Result<&'a Column, OpError> {
    frame.column(name).ok_or_else(|| {
        column_error(
            op,
            name,
            format!("is not in the frame (columns: {})", frame.names().join(", ")),
        )
    })
}

/// The node currently holding column `name` in the inference graph.
pub(crate) fn lowered_column(op: &str, lowering: &Lowering, name: &str) -> Result<NodeId, OpError> {
    lowering
        .column(name)
        .ok_or_else(|| column_error(op, name, "is not a column of the inference graph at this step"))
}

/// Points the lowering's entry for column `name` at `node`.
pub(crate) fn set_lowered_column(lowering: &mut Lowering, name: &str, node: NodeId) {
    if let Some(entry) = lowering.columns.iter_mut().find(|(n, _)| n == name) {
        entry.1 = node;
    }
}

/// Wraps a builder error raised while lowering operator `op`.
pub(crate) fn lowering_error(op: &str) -> impl Fn(VerifyError) -> OpError + '_ {
    move |source| OpError::Lowering {
        op: op.to_string(),
        source,
    }
}

/// `frame` with column `name` replaced by `column` (same position).
pub(crate) fn replace_column(frame: &mut Frame, name: &str, column: Column) {
    if let Some(pos) = frame.position(name) {
        frame.columns[pos] = column;
    }
}
