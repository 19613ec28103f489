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

//! Reading: the text is read in batches of lines (a few MiB, so memory holds
//! the parsed columns and not the file), each batch split at line starts
//! into pieces parsed on all threads, numbers going straight into `f64`
//! columns and text into dictionary codes, with no string kept per field
//! (see [`parallel`]). Text whose quote marks are unbalanced within a piece
//! (a quoted field holding a line break) is read serially instead, with the
//! same rules.
//!
//! Ranges: [`read_csv_range`] reads only the data lines that start within a
//! byte range of the file (with the file's header), so consecutive ranges
//! partition the rows; this is how one file is read in shards. A quoted
//! field holding a line break cannot be sharded and is an error there.

pub(crate) mod number;
pub(crate) mod parallel;
pub(crate) mod part;
mod serial;
mod source;
#[cfg(test)]
mod tests;

use crate::error::DataError;
use crate::frame::Frame;
use mlg_compiler::workflow::catalog::ColumnKind;
use part::Plan;
use source::Source;
use std::collections::HashMap;
use std::io::Read;
use std::ops::Range;
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
    let header = Header::of_file(path, &file)?;
    let source = Source::File {
        path,
        name: &file,
        start: header.data,
        end: header.len,
        batch: source::BATCH_BYTES,
    };
    read_whole(&source, &file, header, kinds, &|| read_all(path, &file))
}

/// Like [`read_csv_typed`], reading only the data lines whose first byte lies
/// in `range` (byte offsets into the file; the header is read from the
/// file's start whatever the range). Ranges that meet end to end give every
/// data row exactly once. Kinds are inferred from the range's rows alone.
/// Errors name lines of the whole file. A quoted field holding a line break
/// is a [`DataError::Malformed`]: such a file cannot be split at line starts.
pub fn read_csv_range(
    path: &Path,
    kinds: &[(String, ColumnKind)],
    range: Range<u64>,
) -> Result<Frame, DataError> {
    let file = path.display().to_string();
    let header = Header::of_file(path, &file)?;
    let start = range.start.max(header.data);
    let end = range.end.min(header.len);
    let source = Source::File {
        path,
        name: &file,
        start,
        end,
        batch: source::BATCH_BYTES,
    };
    let plans = plans(&header.names, kinds);
    let lines_before = || source::lines_before(path, &file, start);
    match parallel::read(
        &source,
        &file,
        header.names,
        &plans,
        &lines_before,
        parallel::MIN_PIECE,
    )? {
        Ok(frame) => dates_to_hours(frame, kinds, &file, lines_before()?),
        Err(part::OpenQuote) => Err(DataError::Malformed {
            file: file.clone(),
            line: lines_before()? + 1,
            message: format!(
                "a quoted field between bytes {start} and {end} holds a line break; a file read in \
                 byte ranges needs every row on one line"
            ),
        }),
    }
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
    let header = Header::of_bytes(&bytes, source, true)?.unwrap_or_else(|| unreachable!("complete text"));
    let text = Source::Buffer {
        bytes: &bytes,
        data: header.data as usize,
    };
    read_whole(&text, source, header, kinds, &|| Ok(bytes.clone()))
}

/// Reads all of `source` after `header` in parallel, or, when a quoted field
/// may span pieces, the whole text (`all`) serially.
fn read_whole(
    source: &Source<'_>,
    file: &str,
    header: Header,
    kinds: &[(String, ColumnKind)],
    all: &dyn Fn() -> Result<Vec<u8>, DataError>,
) -> Result<Frame, DataError> {
    let plans = plans(&header.names, kinds);
    let lines = header.lines;
    let frame = match parallel::read(
        source,
        file,
        header.names,
        &plans,
        &|| Ok(lines),
        parallel::MIN_PIECE,
    )? {
        Ok(frame) => frame,
        Err(part::OpenQuote) => serial::parse(&all()?, file, kinds)?,
    };
    dates_to_hours(frame, kinds, file, lines)
}

/// The columns `kinds` declares dates, read as text, turned into hours
/// ([`crate::dates`]); a text that is no date is a
/// [`DataError::Unparseable`] naming its first line (counted from `lines`
/// before the first data row, one row per line).
fn dates_to_hours(
    frame: Frame,
    kinds: &[(String, ColumnKind)],
    file: &str,
    lines: u64,
) -> Result<Frame, DataError> {
    let dates: Vec<String> = kinds
        .iter()
        .filter(|(_, k)| *k == ColumnKind::Date)
        .map(|(n, _)| n.clone())
        .collect();
    if dates.is_empty() {
        return Ok(frame);
    }
    crate::dates::text_to_hours(frame, &dates, |column, value, row| DataError::Unparseable {
        file: file.to_string(),
        line: lines + row as u64 + 1,
        column: column.to_string(),
        value: value.to_string(),
        expected: format!(
            "an ISO-8601 date (YYYY-MM-DD, optionally THH:MM[:SS] and Z or ±HH:MM; years {}-{})",
            crate::dates::FIRST_YEAR,
            crate::dates::LAST_YEAR
        ),
    })
}

fn read_all(path: &Path, file: &str) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(|source| DataError::Io {
        file: file.to_string(),
        source,
    })
}

/// How pass 1 reads each column: declared kinds first, the rest inferred.
fn plans(names: &[String], kinds: &[(String, ColumnKind)]) -> Vec<Plan> {
    names
        .iter()
        .map(
            |n| match kinds.iter().find(|(k, _)| k == n).map(|(_, kind)| *kind) {
                Some(ColumnKind::Categorical | ColumnKind::Date) => Plan::Categorical,
                Some(ColumnKind::Numeric) => Plan::Numeric,
                None => Plan::Inferred,
            },
        )
        .collect()
}

/// A file's header: the column names and where the data starts.
struct Header {
    names: Vec<String>,
    /// The byte offset of the first data line.
    data: u64,
    /// The lines before it.
    lines: u64,
    /// The file's length in bytes.
    len: u64,
}

impl Header {
    /// Reads the header from the start of `path`, as much as it needs.
    fn of_file(path: &Path, file: &str) -> Result<Header, DataError> {
        let io = |source| DataError::Io {
            file: file.to_string(),
            source,
        };
        let mut reader = std::fs::File::open(path).map_err(io)?;
        let len = reader.metadata().map_err(io)?.len();
        let mut bytes = Vec::new();
        let mut want = 64u64 << 10;
        loop {
            let got = (&mut reader).take(want).read_to_end(&mut bytes).map_err(io)?;
            let complete = (got as u64) < want;
            if let Some(mut header) = Header::of_bytes(&bytes, file, complete)? {
                header.len = len.max(header.data);
                return Ok(header);
            }
            want *= 2;
        }
    }

    /// The header of `bytes`, a file's first bytes (all of them when
    /// `complete`); `None` when the header may run past them.
    fn of_bytes(bytes: &[u8], file: &str, complete: bool) -> Result<Option<Header>, DataError> {
        let mut records = Records::new(bytes, file);
        let names = match read_header(&mut records, file) {
            Ok(names) => names,
            Err(_) if !complete => return Ok(None),
            Err(e) => return Err(e),
        };
        let bom = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        let position = records.reader.position();
        let data = position.byte() + bom;
        if !complete && data >= bytes.len() as u64 {
            return Ok(None);
        }
        // Counted here: the `csv` crate's line count falls behind after CRLF.
        let lines = memchr::memchr_iter(b'\n', bytes.get(..data as usize).unwrap_or(bytes)).count() as u64;
        Ok(Some(Header {
            names,
            data,
            lines,
            len: bytes.len() as u64,
        }))
    }
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
        csv_error(err, self.file)
    }
}

/// A `csv` crate error as a [`DataError`] naming `file` and the line.
pub(crate) fn csv_error(err: ::csv::Error, file: &str) -> DataError {
    let file = file.to_string();
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

/// Reads and checks the header: trimmed, non-empty, unique names.
fn read_header(records: &mut Records<'_>, file: &str) -> Result<Vec<String>, DataError> {
    let Some((_, record)) = records.next()? else {
        return Err(DataError::Empty {
            file: file.to_string(),
        });
    };
    let mut names: Vec<String> = Vec::with_capacity(record.len());
    for (i, raw) in record.iter().enumerate() {
        crate::frame::push_column_name(&mut names, raw.trim(), i, file)?;
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

fn out_of_range(file: &str, line: u64, column: &str, value: String) -> DataError {
    DataError::OutOfRange {
        file: file.to_string(),
        line,
        column: column.to_string(),
        value,
    }
}

/// A dictionary under construction: codes in first-seen order.
#[derive(Default)]
struct Dictionary {
    index: HashMap<String, u32>,
    codes: Vec<u32>,
}

impl Dictionary {
    /// The code of `value`, a new one if unseen.
    fn code(&mut self, value: String) -> u32 {
        let next = self.index.len() as u32;
        *self.index.entry(value).or_insert(next)
    }

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
