//! `date_parts`: replaces each selected date column `d` by the numeric
//! columns `d_year`, `d_month`, `d_day`, `d_weekday` and `d_hour` — what
//! `derive`'s functions of the same names give — in its place.

use super::dates;
use crate::op::{boxed, FittedTransform, Lowering, OpError, Target, Transform};
use crate::operators::OperatorDef;
use crate::preprocess::{frame_column, lowered_column};
use crate::registry::column_error;
use crate::scale::numeric_values;
use mlg_compiler::workflow::catalog::{DefaultSelector, OpKind, OpSpec, Params, SchemaRule};
use mlg_compiler::workflow::columns::DATE_PARTS;
use mlg_runtime::dates as calendar;
use mlg_runtime::frame::{Column, Frame};

const OP: &str = "date_parts";

/// The definition of `date_parts`.
pub(crate) const DEF: OperatorDef = OperatorDef::transform(
    OpSpec {
        name: OP,
        kind: OpKind::Transform {
            default_selector: DefaultSelector::Dates,
            rule: SchemaRule::DateParts,
        },
        summary: "replace each date column d by d_year, d_month, d_day, d_weekday (Monday 0) and d_hour",
        params: &[],
    },
    |params| boxed(DateParts::new(params)),
);

/// The `date_parts` features step. No parameters. Fitting learns nothing
/// but the selected columns, which the checker has made sure are dates
/// (whole hours since the epoch in the frame). Transforming replaces each,
/// in its place, by its five parts ([`DATE_PARTS`]; a missing date gives
/// five missing values); lowering computes them with `derive`'s date
/// arithmetic, exactly as transforming does.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DateParts;

impl DateParts {
    /// Reads the (empty) parameter list.
    pub fn new(_params: &Params) -> Result<Self, OpError> {
        Ok(DateParts)
    }
}

/// A fitted `date_parts`: the date columns it replaces.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedDateParts {
    /// The selected date columns, in selection order.
    pub columns: Vec<String>,
}

impl Transform for DateParts {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        for name in selected {
            numeric_values(OP, frame_column(OP, frame, name)?)?;
        }
        Ok(Box::new(FittedDateParts {
            columns: selected.to_vec(),
        }))
    }
}

/// The five parts of `hours`, in [`DATE_PARTS`] order.
fn parts(hours: f64) -> [f64; 5] {
    let (year, month, day) = calendar::civil(hours);
    [year, month, day, calendar::weekday(hours), calendar::hour(hours)]
}

impl FittedTransform for FittedDateParts {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        let mut columns = Vec::with_capacity(frame.columns.len() + 4 * self.columns.len());
        for column in &frame.columns {
            if !self.columns.contains(&column.name) {
                columns.push(column.clone());
                continue;
            }
            let hours = numeric_values(OP, column)?;
            let mut values: [Vec<f64>; 5] = Default::default();
            for (&h, &missing) in hours.iter().zip(&column.missing) {
                let p = if missing { [f64::NAN; 5] } else { parts(h) };
                for (v, x) in values.iter_mut().zip(p) {
                    v.push(x);
                }
            }
            for (part, v) in DATE_PARTS.iter().zip(values) {
                columns.push(Column::numeric(format!("{}_{part}", column.name), v));
            }
        }
        for name in &self.columns {
            if frame.column(name).is_none() {
                return Err(column_error(OP, name, "does not exist"));
            }
        }
        Ok(Frame::new(columns, frame.n_rows))
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        for name in &self.columns {
            let h = lowered_column(OP, lowering, name)?;
            let (year, month, day) = dates::civil(lowering, h)?;
            let weekday = dates::weekday(lowering, h)?;
            let hour = dates::hour(lowering, h)?;
            let nodes = [year, month, day, weekday, hour];
            let at = lowering
                .columns
                .iter()
                .position(|(n, _)| n == name)
                .ok_or_else(|| column_error(OP, name, "is not in the lowering"))?;
            let parts = DATE_PARTS
                .iter()
                .zip(nodes)
                .map(|(part, node)| (format!("{name}_{part}"), node));
            lowering.columns.splice(at..=at, parts);
        }
        Ok(())
    }
}
