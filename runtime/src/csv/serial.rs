//! The serial CSV reader, through the `csv` crate: kept for text whose
//! quoted fields hold line breaks, which the parallel reader cannot split
//! at line starts. Same rules and results as [`super::parallel`].

use super::{check_width, is_missing_token, out_of_range, read_header, Dictionary, Records};
use crate::error::DataError;
use crate::frame::{Column, Frame};
use crate::rows::fits_f32;
use mlg_compiler::workflow::catalog::ColumnKind;
use std::collections::HashMap;

/// What pass 1 learns about one column whose kind is inferred.
#[derive(Default)]
struct Scan {
    /// The values, while every non-missing field so far is a number.
    values: Option<Vec<f64>>,
    /// Non-missing fields that parse as numbers.
    numbers: usize,
    /// Non-missing fields that do not.
    texts: usize,
    /// Line and text of the first field that is not a number.
    first_text: Option<(u64, String)>,
    /// Line and text of the first number outside the `f32` range.
    first_out_of_range: Option<(u64, String)>,
}

impl Scan {
    fn new() -> Scan {
        Scan {
            values: Some(Vec::new()),
            ..Scan::default()
        }
    }

    /// Records the non-missing `field` on `line`.
    fn push(&mut self, field: &str, line: u64) {
        match field.parse::<f64>() {
            Ok(v) => {
                self.numbers += 1;
                if !v.is_nan() && !fits_f32(v) && self.first_out_of_range.is_none() {
                    self.first_out_of_range = Some((line, field.to_string()));
                }
                if let Some(values) = self.values.as_mut() {
                    values.push(v);
                }
            }
            Err(_) => {
                self.texts += 1;
                self.values = None;
                if self.first_text.is_none() {
                    self.first_text = Some((line, field.to_string()));
                }
            }
        }
    }

    /// The column's fate: its numbers, `None` for a categorical column, or the
    /// error (with its line) that refuses it. See the module rules.
    fn finish(self, file: &str, column: &str) -> Result<Option<Vec<f64>>, (u64, DataError)> {
        if self.texts > 0 && self.numbers > self.texts {
            let (line, value) = self.first_text.unwrap_or_default();
            let error = DataError::MixedColumn {
                file: file.to_string(),
                line,
                column: column.to_string(),
                value,
                texts: self.texts,
                values: self.texts + self.numbers,
            };
            return Err((line, error));
        }
        if self.texts > 0 {
            return Ok(None);
        }
        if let Some((line, value)) = self.first_out_of_range {
            return Err((line, out_of_range(file, line, column, value)));
        }
        Ok(self.values)
    }
}

/// How pass 1 reads one column.
enum Pass1 {
    /// Declared categorical: nothing to parse.
    Categorical,
    /// Declared numeric: every non-missing field must be a number within `f32`.
    Numeric(Vec<f64>),
    /// Inferred.
    Inferred(Scan),
}

/// Parses a whole CSV buffer. Pass 1 parses numbers and missing masks for every
/// column and decides each inferred column's kind; pass 2 (only when some
/// column is categorical) builds dictionaries.
pub(super) fn parse(bytes: &[u8], file: &str, kinds: &[(String, ColumnKind)]) -> Result<Frame, DataError> {
    let mut records = Records::new(bytes, file);
    let names = read_header(&mut records, file)?;
    let width = names.len();
    let mut columns: Vec<Pass1> = names
        .iter()
        .map(
            |n| match kinds.iter().find(|(k, _)| k == n).map(|(_, kind)| *kind) {
                Some(ColumnKind::Categorical | ColumnKind::Date) => Pass1::Categorical,
                Some(ColumnKind::Numeric) => Pass1::Numeric(Vec::new()),
                None => Pass1::Inferred(Scan::new()),
            },
        )
        .collect();
    let mut missing: Vec<Vec<bool>> = vec![Vec::new(); width];
    let mut n_rows = 0usize;
    while let Some((line, record)) = records.next()? {
        check_width(file, line, record.len(), width)?;
        for (j, raw) in record.iter().enumerate() {
            let field = raw.trim();
            let miss = is_missing_token(field);
            missing[j].push(miss);
            match &mut columns[j] {
                Pass1::Categorical => {}
                Pass1::Numeric(values) if miss => values.push(f64::NAN),
                Pass1::Numeric(values) => match field.parse::<f64>() {
                    Ok(v) if v.is_nan() || fits_f32(v) => values.push(v),
                    Ok(_) => return Err(out_of_range(file, line, &names[j], field.to_string())),
                    Err(_) => {
                        return Err(DataError::Unparseable {
                            file: file.to_string(),
                            line,
                            column: names[j].clone(),
                            value: field.to_string(),
                            expected: "a number".to_string(),
                        })
                    }
                },
                Pass1::Inferred(scan) if miss => {
                    if let Some(values) = scan.values.as_mut() {
                        values.push(f64::NAN);
                    }
                }
                Pass1::Inferred(scan) => scan.push(field, line),
            }
        }
        n_rows += 1;
    }
    // Every inferred column is decided; the refusal on the earliest line wins.
    let mut numeric: Vec<Option<Vec<f64>>> = Vec::with_capacity(width);
    let mut refused: Option<(u64, DataError)> = None;
    for (column, name) in columns.into_iter().zip(&names) {
        numeric.push(match column {
            Pass1::Categorical => None,
            Pass1::Numeric(values) => Some(values),
            Pass1::Inferred(scan) => match scan.finish(file, name) {
                Ok(values) => values,
                Err((line, error)) => {
                    if refused.as_ref().is_none_or(|(first, _)| line < *first) {
                        refused = Some((line, error));
                    }
                    None
                }
            },
        });
    }
    if let Some((_, error)) = refused {
        return Err(error);
    }
    let categorical: Vec<usize> = (0..width).filter(|&j| numeric[j].is_none()).collect();
    let mut dictionaries = if categorical.is_empty() {
        Vec::new()
    } else {
        build_dictionaries(bytes, file, width, &categorical, &missing, n_rows)?
    };
    let mut columns = Vec::with_capacity(width);
    for (j, (name, mask)) in names.into_iter().zip(missing).enumerate() {
        let column = match numeric[j].take() {
            Some(values) => Column {
                name,
                data: crate::frame::ColumnData::Numeric(values),
                missing: mask,
            },
            None => {
                let k = categorical.iter().position(|&c| c == j).unwrap_or(0);
                let (codes, levels) = std::mem::take(&mut dictionaries[k]).finish();
                Column::categorical(name, codes, levels, mask)
            }
        };
        columns.push(column);
    }
    Ok(Frame { columns, n_rows })
}

/// Pass 2: re-reads the buffer and builds a dictionary for each categorical column.
fn build_dictionaries(
    bytes: &[u8],
    file: &str,
    width: usize,
    categorical: &[usize],
    missing: &[Vec<bool>],
    n_rows: usize,
) -> Result<Vec<Dictionary>, DataError> {
    let mut dictionaries: Vec<Dictionary> = categorical
        .iter()
        .map(|_| Dictionary {
            index: HashMap::new(),
            codes: Vec::with_capacity(n_rows),
        })
        .collect();
    let mut records = Records::new(bytes, file);
    records.next()?;
    let mut row = 0usize;
    while let Some((line, record)) = records.next()? {
        check_width(file, line, record.len(), width)?;
        for (dict, &j) in dictionaries.iter_mut().zip(categorical) {
            let field = record.get(j).unwrap_or("").trim();
            if missing[j].get(row).copied().unwrap_or(true) {
                // Out of range on purpose: `finish` maps it to code 0, never to a level.
                dict.codes.push(u32::MAX);
            } else {
                dict.push(field);
            }
        }
        row += 1;
    }
    Ok(dictionaries)
}
