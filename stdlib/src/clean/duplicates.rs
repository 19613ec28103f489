//! `drop_duplicates`: keeps the first occurrence of every distinct training row
//! over the selected columns, like pandas' `DataFrame.drop_duplicates(subset)`.

use crate::op::{FittedTransform, Lowering, OpError, Target, Transform};
use crate::preprocess::frame_column;
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::{Column, ColumnData, Frame};
use std::collections::HashSet;

const OP: &str = "drop_duplicates";

/// The `drop_duplicates` features step; it has no parameters. Fitting compares
/// training rows over the selected columns (numeric and categorical alike) and
/// keeps the first occurrence of each distinct row, in order: numbers compare
/// by value (`0.0` equals `-0.0`), categories by level, and a missing value
/// (or NaN) equals another missing value. An empty selection keeps every row.
/// The kept rows are reported through `training_rows`; `transform` returns the
/// frame unchanged and `lower` appends nothing, so prediction keeps every row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DropDuplicates;

impl DropDuplicates {
    /// Reads the checked parameters (there are none).
    pub fn new(_params: &Params) -> Result<Self, OpError> {
        Ok(DropDuplicates)
    }
}

/// A fitted `drop_duplicates`: the fit-frame rows that survive, ascending.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedDropDuplicates {
    /// The fit-frame rows kept, ascending.
    pub kept: Vec<usize>,
    /// Fit-frame row count, so callers can tell how many rows were dropped.
    pub n_rows: usize,
}

/// One cell of a row key: equal keys mean equal values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Cell {
    Missing,
    /// The bits of a non-NaN number with `-0.0` folded into `0.0`.
    Number(u64),
    /// A dictionary code; within one column it identifies the level.
    Code(u32),
}

fn cell(column: &Column, row: usize) -> Cell {
    if column.missing[row] {
        return Cell::Missing;
    }
    match &column.data {
        ColumnData::Numeric(values) => {
            let v = values[row];
            if v.is_nan() {
                Cell::Missing
            } else {
                // `v + 0.0` turns -0.0 into +0.0 and leaves every other value alone.
                Cell::Number((v + 0.0).to_bits())
            }
        }
        ColumnData::Categorical { codes, .. } => Cell::Code(codes[row]),
    }
}

impl Transform for DropDuplicates {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        let columns = selected
            .iter()
            .map(|name| frame_column(OP, frame, name))
            .collect::<Result<Vec<_>, _>>()?;
        let kept = if columns.is_empty() {
            (0..frame.n_rows).collect()
        } else {
            let mut seen: HashSet<Vec<Cell>> = HashSet::with_capacity(frame.n_rows);
            (0..frame.n_rows)
                .filter(|&row| seen.insert(columns.iter().map(|c| cell(c, row)).collect()))
                .collect()
        };
        Ok(Box::new(FittedDropDuplicates {
            kept,
            n_rows: frame.n_rows,
        }))
    }
}

impl FittedTransform for FittedDropDuplicates {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        Ok(frame.clone())
    }

    fn lower(&self, _lowering: &mut Lowering) -> Result<(), OpError> {
        Ok(())
    }

    fn training_rows(&self) -> Option<&[usize]> {
        Some(&self.kept)
    }
}
