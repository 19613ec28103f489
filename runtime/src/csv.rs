//! CSV loading into a columnar [`Frame`], with type inference and clear errors.
//!
//! Rules: a header row is required; names are trimmed and must be non-empty and
//! unique. Fields are trimmed of surrounding whitespace. A field is missing when it
//! is empty or one of `NA`, `NaN`, `N/A`, `null` (case-insensitive). A column is
//! numeric when every non-missing field parses as `f64` (so an all-missing column is
//! numeric); otherwise it is categorical, with levels sorted by byte order. A UTF-8
//! byte-order mark before the header is ignored. Blank lines are skipped. No input
//! bytes make these functions panic.

use crate::error::DataError;
use crate::frame::{Column, Frame};
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
/// (a numeric column whose field does not parse is a [`DataError::Unparseable`]; a
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

/// Parses a whole CSV buffer. Pass 1 parses numbers and missing masks for every
/// column; pass 2 (only when some column is categorical) builds dictionaries.
fn parse(bytes: &[u8], file: &str, kinds: &[(String, ColumnKind)]) -> Result<Frame, DataError> {
    let mut records = Records::new(bytes, file);
    let names = read_header(&mut records, file)?;
    let width = names.len();
    let forced: Vec<Option<ColumnKind>> = names
        .iter()
        .map(|n| kinds.iter().find(|(k, _)| k == n).map(|(_, kind)| *kind))
        .collect();
    let mut numeric: Vec<Option<Vec<f64>>> = forced
        .iter()
        .map(|k| {
            if *k == Some(ColumnKind::Categorical) {
                None
            } else {
                Some(Vec::new())
            }
        })
        .collect();
    let mut missing: Vec<Vec<bool>> = vec![Vec::new(); width];
    let mut n_rows = 0usize;
    while let Some((line, record)) = records.next()? {
        check_width(file, line, record.len(), width)?;
        for (j, raw) in record.iter().enumerate() {
            let field = raw.trim();
            let miss = is_missing_token(field);
            missing[j].push(miss);
            let Some(values) = numeric[j].as_mut() else {
                continue;
            };
            if miss {
                values.push(f64::NAN);
                continue;
            }
            match field.parse::<f64>() {
                Ok(v) => values.push(v),
                Err(_) if forced[j] == Some(ColumnKind::Numeric) => {
                    return Err(DataError::Unparseable {
                        file: file.to_string(),
                        line,
                        column: names[j].clone(),
                        value: field.to_string(),
                        expected: "a number".to_string(),
                    });
                }
                Err(_) => numeric[j] = None,
            }
        }
        n_rows += 1;
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
