//! One piece of CSV text (complete lines) parsed into typed columns: pass 1
//! gives numbers and missing masks, pass 2 dictionary codes for the columns
//! found categorical. Pieces are parsed in parallel and joined in order by
//! [`super::parallel`]; every line number here counts from the piece's
//! first line as line 1, until [`PieceError::into_error`] adds the lines
//! before the piece.

use super::number::{self, parse_f64, plain_decimal};
use super::{check_width, is_missing_token, out_of_range};
use crate::error::DataError;
use crate::rows::fits_f32;
use std::collections::HashMap;

/// How pass 1 reads one column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Declared numeric: every non-missing field must be a number within `f32`.
    Numeric,
    /// Numeric or categorical, decided once every piece is read.
    Inferred,
    /// Declared categorical: only the missing mask (codes come in pass 2).
    Categorical,
}

/// Pass 1's view of one column of a piece.
#[derive(Default)]
pub(crate) struct Scanned {
    /// One value per row: NaN where missing or text (none for a declared
    /// categorical column).
    pub values: Vec<f64>,
    /// The rows (from the piece's first, 0) whose field is missing, in
    /// order: most files have few, so the mask is built only when pieces
    /// are joined.
    pub missing_rows: Vec<u32>,
    /// Non-missing fields that are numbers (counted once the piece is read).
    pub numbers: usize,
    /// Non-missing fields that are not.
    pub texts: usize,
    /// Line and text of the first field that is not a number.
    pub first_text: Option<(u64, String)>,
    /// Line and text of the first number outside `f32`.
    pub first_out_of_range: Option<(u64, String)>,
}

/// Pass 1 over one piece.
pub(crate) struct Scan {
    /// One per column.
    pub columns: Vec<Scanned>,
    /// Data rows read.
    pub rows: usize,
    /// Line breaks consumed (the piece's span in lines).
    pub lines: u64,
    /// The first error, which stops the piece.
    pub error: Option<PieceError>,
}

/// The error that stopped a piece, its line still relative.
pub(crate) enum PieceError {
    /// A record with `found` fields where the header has another count.
    Width { line: u64, found: usize },
    /// Any other error.
    Data(DataError),
}

impl PieceError {
    /// The error with its line made absolute (`base`: the lines before the piece).
    pub(crate) fn into_error(self, base: u64, file: &str, width: usize) -> DataError {
        match self {
            PieceError::Width { line, found } => match check_width(file, base + line, found, width) {
                Err(error) => error,
                Ok(()) => unreachable!("a width error has the wrong width"),
            },
            PieceError::Data(mut error) => {
                shift_line(&mut error, base);
                error
            }
        }
    }
}

/// Pass 2's dictionary of one categorical column over one piece: levels in
/// first-seen order, and a code per row (`u32::MAX` where missing).
#[derive(Default)]
pub(crate) struct Coded {
    pub index: HashMap<String, u32>,
    pub levels: Vec<String>,
    pub codes: Vec<u32>,
}

/// Why a piece cannot be parsed on its own: an odd number of quote marks,
/// so a quoted field may run into the next piece.
#[derive(Debug)]
pub(crate) struct OpenQuote;

/// Calls `record(line, fields)` for every non-blank record of `piece`
/// (`line` from 0, the piece's first line); returns the line breaks
/// consumed. Unquoted text is split on commas directly; a piece holding a
/// quote mark or a lone carriage return goes through the `csv` crate.
pub(crate) fn records(piece: &[u8], record: &mut dyn FnMut(u64, &[&[u8]]) -> bool) -> Result<u64, OpenQuote> {
    let mut fields: Vec<&[u8]> = Vec::new();
    if !is_plain(piece) {
        return quoted_records(piece, record);
    }
    let mut line = 0u64;
    let mut start = 0usize;
    for at in memchr::memchr2_iter(b',', b'\n', piece) {
        fields.push(&piece[start..at]);
        start = at + 1;
        if piece[at] == b'\n' {
            if !end_record(&mut fields, line, record) {
                return Ok(line);
            }
            line += 1;
        }
    }
    if start < piece.len() || !fields.is_empty() {
        fields.push(&piece[start..]);
        end_record(&mut fields, line, record);
    }
    Ok(line)
}

/// Hands a record's `fields` to `record` unless the line is blank (after a
/// carriage return is dropped); clears them. `false` stops the reading.
fn end_record<'p>(
    fields: &mut Vec<&'p [u8]>,
    line: u64,
    record: &mut dyn FnMut(u64, &[&[u8]]) -> bool,
) -> bool {
    if let Some(last) = fields.last_mut() {
        if let Some(stripped) = last.strip_suffix(b"\r") {
            *last = stripped;
        }
    }
    let go = matches!(fields.as_slice(), [only] if only.is_empty()) || record(line, fields);
    fields.clear();
    go
}

/// [`records`] for a piece with quote marks, through the `csv` crate.
fn quoted_records(piece: &[u8], record: &mut dyn FnMut(u64, &[&[u8]]) -> bool) -> Result<u64, OpenQuote> {
    if piece.ends_with(b"\n") && ends_in_quotes(piece) {
        return Err(OpenQuote);
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(piece);
    let mut row = ::csv::ByteRecord::new();
    let lines = memchr::memchr_iter(b'\n', piece).count() as u64;
    // Reading a byte slice cannot fail: no I/O, and byte records skip UTF-8.
    // Lines are counted here from each record's byte offset: the `csv`
    // crate's own line count falls one behind after a CRLF line break.
    let (mut counted_to, mut line) = (0usize, 0u64);
    while let Ok(true) = reader.read_byte_record(&mut row) {
        let mut start = row.position().map_or(0, |p| p.byte() as usize).min(piece.len());
        // After a CRLF the crate's offset points at the LF, before the record.
        while matches!(piece.get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        line += memchr::memchr_iter(b'\n', &piece[counted_to.min(start)..start]).count() as u64;
        counted_to = counted_to.max(start);
        let fields: Vec<&[u8]> = row.iter().collect();
        if !record(line, &fields) {
            break;
        }
    }
    Ok(lines)
}

/// True when the last byte of `piece`, read from a record start, lies inside
/// a quoted field. The `csv` crate's quoting states: a quote opens a quoted
/// field only at a field's start, `""` inside one is a quote, and a quote in
/// an unquoted field is text.
pub(crate) fn ends_in_quotes(piece: &[u8]) -> bool {
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    for &b in piece {
        state = match (state, b) {
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') | (State::FieldStart, b'"') => State::Quoted,
            (_, b',' | b'\n' | b'\r') => State::FieldStart,
            _ => State::Unquoted,
        };
    }
    state == State::Quoted
}

/// Trims what `str::trim` trims; `Err(())` when the field is not UTF-8.
fn trim(raw: &[u8]) -> Result<&[u8], ()> {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r');
    // Most fields: ASCII with no space at either end.
    if let (Some(first), Some(last)) = (raw.first(), raw.last()) {
        if first.is_ascii_graphic() && last.is_ascii_graphic() && raw.is_ascii() {
            return Ok(raw);
        }
    }
    let start = raw.iter().position(|b| !ws(b)).unwrap_or(raw.len());
    let end = raw.iter().rposition(|b| !ws(b)).map_or(start, |i| i + 1);
    let field = &raw[start..end];
    if field.is_ascii() {
        return Ok(field);
    }
    std::str::from_utf8(field)
        .map(|s| s.trim().as_bytes())
        .map_err(|_| ())
}

/// The field as text; only called on trimmed, validated fields.
fn text(field: &[u8]) -> &str {
    std::str::from_utf8(field).unwrap_or_default()
}

fn missing(field: &[u8]) -> bool {
    field.len() <= 4 && is_missing_token(text(field))
}

/// Pass 1 over `piece`: see [`Scan`]. `names` name the columns in errors.
/// The columns' values go into the empty vectors of `spare` while it has
/// any (a batch before's, already faulted in), then into new ones.
pub(crate) fn scan(
    piece: &[u8],
    plans: &[Plan],
    names: &[String],
    file: &str,
    mut spare: Vec<Vec<f64>>,
) -> Result<Scan, OpenQuote> {
    let width = plans.len();
    let mut columns: Vec<Scanned> = (0..width)
        .map(|_| Scanned {
            values: spare.pop().unwrap_or_default(),
            ..Scanned::default()
        })
        .collect();
    if is_plain(piece) {
        return Ok(scan_plain(piece, plans, names, file, columns));
    }
    let mut rows = 0usize;
    let mut error = None;
    let lines = records(piece, &mut |line, fields| {
        let line1 = line + 1;
        if fields.len() != width {
            error = Some(PieceError::Width {
                line: line1,
                found: fields.len(),
            });
            return false;
        }
        for (j, raw) in fields.iter().enumerate() {
            let at = At {
                line: line1,
                row: rows,
            };
            if let Err(e) = push_field(&mut columns[j], plans[j], raw, at, &names[j], file) {
                error = Some(e);
                return false;
            }
        }
        rows += 1;
        true
    })?;
    if error.is_none() {
        count_numbers(&mut columns, plans, rows);
    }
    Ok(Scan {
        columns,
        rows,
        lines,
        error,
    })
}

/// Sets each inferred column's count of numbers: every non-missing field of
/// its `rows` rows is a number or a text. Only for a piece read to its end:
/// one stopped by an error holds fields of its unfinished row.
fn count_numbers(columns: &mut [Scanned], plans: &[Plan], rows: usize) {
    for (column, plan) in columns.iter_mut().zip(plans) {
        if *plan == Plan::Inferred {
            column.numbers = rows.saturating_sub(column.missing_rows.len() + column.texts);
        }
    }
}

/// Where a field lies: its line (counted from the piece's first, 1) and its
/// row (from the piece's first, 0).
#[derive(Clone, Copy)]
struct At {
    line: u64,
    row: usize,
}

/// True when `piece` can be split on commas and line breaks alone: no quote
/// mark, and every carriage return ends a line.
pub(crate) fn is_plain(piece: &[u8]) -> bool {
    memchr::memchr(b'"', piece).is_none()
        && memchr::memchr_iter(b'\r', piece).all(|i| piece.get(i + 1) == Some(&b'\n'))
}

/// The start of the line after the one holding `at` in plain `piece` (its
/// end when none follows).
pub(crate) fn next_line(piece: &[u8], at: usize) -> usize {
    memchr::memchr(b'\n', &piece[at..]).map_or(piece.len(), |k| at + k + 1)
}

/// The field of plain `piece` starting at `pos`: its text (a carriage
/// return that ends the line dropped) and where it ends (its comma, line
/// break or the piece's end).
pub(crate) fn cut_field(piece: &[u8], pos: usize) -> (&[u8], usize) {
    let end = memchr::memchr2(b',', b'\n', &piece[pos..]).map_or(piece.len(), |k| pos + k);
    let raw = &piece[pos..end];
    match piece.get(end) {
        Some(b',') => (raw, end),
        _ => (raw.strip_suffix(b"\r").unwrap_or(raw), end),
    }
}

/// The number of fields on the line starting at `line_start` in plain `piece`.
pub(crate) fn fields_on_line(piece: &[u8], line_start: usize) -> usize {
    let end = memchr::memchr(b'\n', &piece[line_start..]).map_or(piece.len(), |k| line_start + k);
    memchr::memchr_iter(b',', &piece[line_start..end]).count() + 1
}

/// [`scan`] of a plain piece in one pass: a field that is a plain decimal is
/// parsed where it lies, its end found by the parse itself (the common case
/// in numeric files); any other field is cut at the next comma or line break
/// and goes through [`push_field`]. Same results as through [`records`].
fn scan_plain(piece: &[u8], plans: &[Plan], names: &[String], file: &str, mut columns: Vec<Scanned>) -> Scan {
    let width = plans.len();
    let (mut rows, mut line, mut pos) = (0usize, 0u64, 0usize);
    let end_of_line = |at: usize| match piece.get(at) {
        None | Some(b'\n') => true,
        Some(b'\r') => true, // plain: a carriage return is always followed by LF
        _ => false,
    };
    while pos < piece.len() {
        let line1 = line + 1;
        if end_of_line(pos) {
            // A blank line (or a bare CRLF).
            pos = next_line(piece, pos);
            line += 1;
            continue;
        }
        let (line_start, mut j) = (pos, 0);
        let stop = loop {
            // `pos` is a field's first byte; `end` its comma or line end.
            let numeric = matches!(plans.get(j), Some(Plan::Numeric | Plan::Inferred));
            let fast = match numeric {
                // A short decimal is always within `f32`.
                true => number::short_decimal(piece, pos)
                    .or_else(|| number::general_prefix(piece, pos).filter(|&(v, _)| fits_f32(v)))
                    .filter(|&(_, end)| matches!(piece.get(end), None | Some(b',' | b'\n' | b'\r'))),
                false => None,
            };
            let end = match (fast, columns.get_mut(j)) {
                (Some((v, end)), Some(column)) => {
                    column.values.push(v);
                    end
                }
                _ => {
                    let (raw, end) = cut_field(piece, pos);
                    if j < width {
                        let at = At {
                            line: line1,
                            row: rows,
                        };
                        if let Err(e) = push_field(&mut columns[j], plans[j], raw, at, &names[j], file) {
                            break Some(e);
                        }
                    }
                    end
                }
            };
            j += 1;
            if piece.get(end) == Some(&b',') {
                pos = end + 1;
                continue;
            }
            pos = next_line(piece, end);
            break None;
        };
        if let Some(error) = stop {
            // A record of the wrong width is refused as such, whatever its fields.
            let found = fields_on_line(piece, line_start);
            let error = if found == width {
                error
            } else {
                PieceError::Width { line: line1, found }
            };
            return Scan {
                columns,
                rows,
                lines: line,
                error: Some(error),
            };
        }
        if j != width {
            return Scan {
                columns,
                rows,
                lines: line,
                error: Some(PieceError::Width {
                    line: line1,
                    found: j,
                }),
            };
        }
        rows += 1;
        if rows == 1 {
            // Room for the piece's rows at the first row's length, so that
            // the columns do not grow (and copy) a dozen times per piece.
            let estimate = piece.len() / (pos - line_start).max(1) + 1;
            for (column, plan) in columns.iter_mut().zip(plans) {
                if *plan != Plan::Categorical {
                    column.values.reserve(estimate);
                }
            }
        }
        if piece[..pos].last() == Some(&b'\n') {
            line += 1;
        }
    }
    count_numbers(&mut columns, plans, rows);
    Scan {
        columns,
        rows,
        lines: line,
        error: None,
    }
}

/// One field of pass 1 into its column: see [`Scan`] and the module rules.
fn push_field(
    column: &mut Scanned,
    plan: Plan,
    raw: &[u8],
    at: At,
    name: &str,
    file: &str,
) -> Result<(), PieceError> {
    let line = at.line;
    // Most fields of a numeric file: a plain decimal, nothing to trim.
    if plan != Plan::Categorical {
        if let Some(v) = plain_decimal(raw).filter(|v| fits_f32(*v)) {
            column.values.push(v);
            return Ok(());
        }
    }
    let Ok(field) = trim(raw) else {
        return Err(PieceError::Data(DataError::Utf8 {
            file: file.to_string(),
            line,
        }));
    };
    let miss = missing(field);
    if miss {
        // A piece holds a few megabytes of text: fewer rows than `u32::MAX`.
        column.missing_rows.push(at.row as u32);
    }
    match plan {
        Plan::Categorical => {}
        _ if miss => column.values.push(f64::NAN),
        Plan::Numeric => match parse_f64(field) {
            Some(v) if v.is_nan() || fits_f32(v) => column.values.push(v),
            Some(_) => {
                let e = out_of_range(file, line, name, text(field).to_string());
                return Err(PieceError::Data(e));
            }
            None => {
                return Err(PieceError::Data(DataError::Unparseable {
                    file: file.to_string(),
                    line,
                    column: name.to_string(),
                    value: text(field).to_string(),
                    expected: "a number".to_string(),
                }))
            }
        },
        Plan::Inferred => match parse_f64(field) {
            Some(v) => {
                if !v.is_nan() && !fits_f32(v) && column.first_out_of_range.is_none() {
                    column.first_out_of_range = Some((line, text(field).to_string()));
                }
                column.values.push(v);
            }
            None => {
                column.texts += 1;
                if column.first_text.is_none() {
                    column.first_text = Some((line, text(field).to_string()));
                }
                column.values.push(f64::NAN);
            }
        },
    }
    Ok(())
}

/// Pass 2 over `piece`: a dictionary for each column in `categorical` (field
/// indexes). Pass 1 has checked widths and UTF-8 already.
pub(crate) fn code(piece: &[u8], categorical: &[usize]) -> Result<Vec<Coded>, OpenQuote> {
    let mut coded: Vec<Coded> = categorical.iter().map(|_| Coded::default()).collect();
    records(piece, &mut |_, fields| {
        for (dict, &j) in coded.iter_mut().zip(categorical) {
            let field = fields.get(j).and_then(|raw| trim(raw).ok()).unwrap_or_default();
            if missing(field) {
                dict.codes.push(u32::MAX);
                continue;
            }
            let value = text(field);
            let code = match dict.index.get(value) {
                Some(&code) => code,
                None => {
                    let code = dict.levels.len() as u32;
                    dict.index.insert(value.to_string(), code);
                    dict.levels.push(value.to_string());
                    code
                }
            };
            dict.codes.push(code);
        }
        true
    })?;
    Ok(coded)
}

/// Adds `by` to the line an error names (pieces report lines from 0).
fn shift_line(error: &mut DataError, by: u64) {
    match error {
        DataError::Malformed { line, .. }
        | DataError::Unparseable { line, .. }
        | DataError::OutOfRange { line, .. }
        | DataError::MixedColumn { line, .. }
        | DataError::Utf8 { line, .. } => *line += by,
        _ => {}
    }
}
