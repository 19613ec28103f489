//! CSV loading into a columnar [`Frame`], with type inference and clear errors.
//!
//! Rules: a header row is required; names are trimmed and must be non-empty and
//! unique. Fields are trimmed of surrounding whitespace. A field is missing when it
//! is empty or one of `NA`, `NaN`, `N/A`, `null` (case-insensitive).
//!
//! Kinds: a column declared by the caller (`kinds`) is read as that kind. Any other
//! column is numeric when every non-missing field parses as a number (so an
//! all-missing column is numeric), and categorical when at most half of its
//! non-missing fields do (numeric-looking text is then a level like any other),
//! with levels sorted by byte order. A column in between, mostly numbers with
//! some text, is refused with a [`DataError::MixedColumn`] naming the first text
//! field's line, the column and the value: a stray `abc` never turns a numeric
//! column into a categorical one silently.
//!
//! Numbers: a number in a numeric column must be finite in `f32`, the precision
//! models compute in; `inf`, `-inf`, `infinity` or a magnitude above 3.4028235e38
//! is a [`DataError::OutOfRange`] naming the line, the column and the value.
//!
//! A UTF-8 byte-order mark before the header is ignored. Blank lines are skipped.
//! No input bytes make these functions panic.

use crate::error::DataError;
use crate::frame::{Column, Frame};
use crate::rows::fits_f32;
use mlg_compiler::workflow::catalog::ColumnKind;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// Reads the CSV file at `path`, inferring every column's kind.
///
/// Errors name the file (as `path` displays), the 1-based line and the column.
pub fn read_csv(path: &Path) -> Result<Frame, DataError> {
    read_csv_typed(path, &[])
}

/// Reads CSV text from `reader`, inferring every column's kind; `source` names the
/// input in error messages.
pub fn read_csv_from<R: Read>(reader: R, source: &str) -> Result<Frame, DataError> {
    read_csv_typed_from(reader, source, &[])
}

/// Reads the CSV file at `path`; the columns named in `kinds` are read as that kind
/// (a numeric column whose field does not parse is a [`DataError::Unparseable`], one
/// outside `f32` a [`DataError::OutOfRange`]; a
/// categorical one keeps numeric-looking text as levels), the rest are inferred.
/// Names in `kinds` that the file lacks are ignored.
pub fn read_csv_typed(path: &Path, kinds: &[(String, ColumnKind)]) -> Result<Frame, DataError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        file: file.clone(),
        source,
    })?;
    parse(&bytes, &file, kinds)
}

/// Like [`read_csv_typed`], reading CSV text from `reader`; `source` names the input
/// in error messages.
pub fn read_csv_typed_from<R: Read>(
    mut reader: R,
    source: &str,
    kinds: &[(String, ColumnKind)],
) -> Result<Frame, DataError> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| DataError::Io {
        file: source.to_string(),
        source: e,
    })?;
    parse(&bytes, source, kinds)
}

/// True when `field` (already trimmed) is one of the missing-value tokens.
pub fn is_missing_token(field: &str) -> bool {
    field.is_empty()
        || ["na", "nan", "n/a", "null"]
            .iter()
            .any(|t| field.eq_ignore_ascii_case(t))
}

/// Iterates over the records of a CSV buffer, mapping `csv` errors to [`DataError`]s.
struct Records<'a> {
    reader: ::csv::Reader<&'a [u8]>,
    record: ::csv::StringRecord,
    file: &'a str,
}

impl<'a> Records<'a> {
    fn new(bytes: &'a [u8], file: &'a str) -> Self {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        Records {
            reader,
            record: ::csv::StringRecord::new(),
            file,
        }
    }

    /// The next record and its 1-based starting line, or `None` at the end.
    fn next(&mut self) -> Result<Option<(u64, &::csv::StringRecord)>, DataError> {
        match self.reader.read_record(&mut self.record) {
            Ok(true) => {
                let line = self.record.position().map_or(0, |p| p.line());
                Ok(Some((line, &self.record)))
            }
            Ok(false) => Ok(None),
            Err(err) => Err(self.convert(err)),
        }
    }

    fn convert(&self, err: ::csv::Error) -> DataError {
        let file = self.file.to_string();
        let line = err.position().map_or(0, |p| p.line());
        let message = err.to_string();
        match err.into_kind() {
            ::csv::ErrorKind::Io(source) => DataError::Io { file, source },
            ::csv::ErrorKind::Utf8 { pos, .. } => DataError::Utf8 {
                file,
                line: pos.map_or(line, |p| p.line()),
            },
            _ => DataError::Malformed { file, line, message },
        }
    }
}

/// Reads and checks the header: trimmed, non-empty, unique names.
fn read_header(records: &mut Records<'_>, file: &str) -> Result<Vec<String>, DataError> {
    let Some((_, record)) = records.next()? else {
        return Err(DataError::Empty {
            file: file.to_string(),
        });
    };
    let mut names: Vec<String> = Vec::with_capacity(record.len());
    for (i, raw) in record.iter().enumerate() {
        let name = raw.trim();
        if name.is_empty() {
            return Err(DataError::EmptyColumnName {
                file: file.to_string(),
                index: i + 1,
            });
        }
        if names.iter().any(|n| n == name) {
            return Err(DataError::DuplicateColumn {
                file: file.to_string(),
                column: name.to_string(),
            });
        }
        names.push(name.to_string());
    }
    Ok(names)
}

/// Checks that a data record has as many fields as the header.
fn check_width(file: &str, line: u64, found: usize, expected: usize) -> Result<(), DataError> {
    if found == expected {
        return Ok(());
    }
    Err(DataError::Malformed {
        file: file.to_string(),
        line,
        message: format!("row {line} has {found} fields but the header has {expected}"),
    })
}

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

fn out_of_range(file: &str, line: u64, column: &str, value: String) -> DataError {
    DataError::OutOfRange {
        file: file.to_string(),
        line,
        column: column.to_string(),
        value,
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
fn parse(bytes: &[u8], file: &str, kinds: &[(String, ColumnKind)]) -> Result<Frame, DataError> {
    let mut records = Records::new(bytes, file);
    let names = read_header(&mut records, file)?;
    let width = names.len();
    let mut columns: Vec<Pass1> = names
        .iter()
        .map(
            |n| match kinds.iter().find(|(k, _)| k == n).map(|(_, kind)| *kind) {
                Some(ColumnKind::Categorical) => Pass1::Categorical,
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

/// A dictionary under construction: codes in first-seen order.
#[derive(Default)]
struct Dictionary {
    index: HashMap<String, u32>,
    codes: Vec<u32>,
}

impl Dictionary {
    fn push(&mut self, value: &str) {
        let code = match self.index.get(value) {
            Some(&code) => code,
            None => {
                let code = self.index.len() as u32;
                self.index.insert(value.to_string(), code);
                code
            }
        };
        self.codes.push(code);
    }

    /// Sorts the levels by byte order and renumbers the codes to match.
    fn finish(self) -> (Vec<u32>, Vec<String>) {
        let mut levels: Vec<(String, u32)> = self.index.into_iter().collect();
        levels.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut remap = vec![0u32; levels.len()];
        for (new, (_, old)) in levels.iter().enumerate() {
            remap[*old as usize] = new as u32;
        }
        let codes = self
            .codes
            .into_iter()
            .map(|c| remap.get(c as usize).copied().unwrap_or(0))
            .collect();
        (codes, levels.into_iter().map(|(level, _)| level).collect())
    }
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
