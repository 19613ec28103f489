//! Date columns in frames: text read as ISO-8601 dates becomes the hours
//! since the epoch that a date input slot carries ([`mlg_compiler::dates`],
//! re-exported here).

pub use mlg_compiler::dates::*;

use crate::frame::{Column, ColumnData, Frame};

/// `frame` with each of `columns` that it holds as text turned into a
/// numeric column of [`parse`]d hours (missing stays missing); the first
/// text that is no date is an error naming the column and the value, and
/// `row` (the 0-based row of its first use) is what `line` makes a line of.
pub fn text_to_hours(
    mut frame: Frame,
    columns: &[String],
    mut error: impl FnMut(&str, &str, usize) -> crate::error::DataError,
) -> Result<Frame, crate::error::DataError> {
    for column in frame.columns.iter_mut().filter(|c| columns.contains(&c.name)) {
        let ColumnData::Categorical { codes, levels } = &column.data else {
            continue;
        };
        let mut hours = Vec::with_capacity(levels.len());
        for (code, level) in levels.iter().enumerate() {
            match parse(level) {
                Some(h) => hours.push(h),
                None => {
                    let row = codes
                        .iter()
                        .zip(&column.missing)
                        .position(|(&c, &m)| !m && c as usize == code)
                        .unwrap_or(0);
                    return Err(error(&column.name, level, row));
                }
            }
        }
        let values = codes
            .iter()
            .zip(&column.missing)
            .map(|(&c, &m)| if m { f64::NAN } else { hours[c as usize] })
            .collect();
        *column = Column::numeric(column.name.clone(), values);
    }
    Ok(frame)
}
