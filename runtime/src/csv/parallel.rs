//! The parallel CSV reader: batches of lines split into pieces at line
//! starts, each piece parsed on its own thread (pass 1: numbers and missing
//! masks; pass 2, only when a column is categorical: dictionary codes), the
//! pieces joined in file order. The rules are the module's (see
//! [`crate::csv`]); the result equals the serial reader's, errors included.

use super::part::{self, Coded, OpenQuote, Plan, Scan, Scanned};
use super::source::Source;
use super::{out_of_range, Dictionary};
use crate::error::DataError;
use crate::frame::{Column, ColumnData, Frame};
use rayon::prelude::*;

/// Pieces of a batch smaller than this are not worth a thread.
pub(crate) const MIN_PIECE: usize = 256 << 10;

/// Splits `batch` into about `n` pieces, each ending at a line break.
pub(crate) fn split(batch: &[u8], n: usize, min_piece: usize) -> Vec<&[u8]> {
    let size = (batch.len() / n.max(1)).max(min_piece.max(1));
    let mut pieces = Vec::with_capacity(n + 1);
    let mut start = 0;
    while start < batch.len() {
        let want = start + size;
        if want >= batch.len() {
            pieces.push(&batch[start..]);
            break;
        }
        match memchr::memchr(b'\n', &batch[want..]) {
            Some(k) => {
                pieces.push(&batch[start..want + k + 1]);
                start = want + k + 1;
            }
            None => {
                pieces.push(&batch[start..]);
                break;
            }
        }
    }
    pieces
}

/// Runs `each` over the pieces of every batch of `source` in parallel and
/// hands each batch's results (and its length) to `take` in file order, so that a batch's
/// pieces are freed before the next is parsed; `take` returns `false` to
/// stop.
fn over_pieces<T: Send>(
    source: &Source<'_>,
    min_piece: usize,
    each: impl Fn(&[u8]) -> Result<T, OpenQuote> + Sync,
    mut take: impl FnMut(Vec<T>, usize) -> bool,
) -> Result<Result<(), OpenQuote>, DataError> {
    let threads = rayon::current_num_threads();
    let mut open = None;
    source.batches(&mut |batch| {
        let pieces = split(batch, threads * 4, min_piece);
        let results: Result<Vec<T>, OpenQuote> = pieces.par_iter().map(|p| each(p)).collect();
        match results {
            Ok(results) => Ok(take(results, batch.len())),
            Err(e) => {
                open = Some(e);
                Ok(false)
            }
        }
    })?;
    Ok(match open {
        Some(e) => Err(e),
        None => Ok(()),
    })
}

/// Pass 1's pieces joined so far: every column's values and mask, counts,
/// and first text and out-of-range lines counted from the source's start.
struct Joined {
    /// Every column's values and counts (their `missing_rows` stay empty).
    columns: Vec<Scanned>,
    /// Every column's missing mask, one flag per row.
    missing: Vec<Vec<bool>>,
    rows: usize,
    lines: u64,
    /// The error that stopped a piece, and the lines before that piece.
    error: Option<(part::PieceError, u64)>,
}

impl Joined {
    /// Appends a batch's pieces, up to the first that stopped on an error;
    /// every column on its own thread. `false` after an error.
    /// The pieces' value vectors, emptied, go back to `spare` for the next batch.
    fn push(&mut self, scans: Vec<Scan>, batch_bytes: usize, source_bytes: u64, spare: &Spare) -> bool {
        let good = scans
            .iter()
            .position(|s| s.error.is_some())
            .unwrap_or(scans.len());
        if self.rows == 0 && batch_bytes > 0 {
            // Room for the whole source at the first batch's rows per byte
            // (and a little more), allocated once: columns that grow batch
            // by batch are copied and leave the allocator's heap fragmented.
            let rows: usize = scans[..good].iter().map(|s| s.rows).sum();
            let estimate = (rows as f64 * source_bytes as f64 / batch_bytes as f64 * 1.02) as usize;
            for (column, missing) in self.columns.iter_mut().zip(&mut self.missing) {
                column.values.reserve(estimate);
                missing.reserve(estimate);
                crate::memory::advise_huge_pages(&column.values);
                crate::memory::advise_huge_pages(missing);
            }
        }
        // Each piece's first line, counted from the source's start.
        let mut bases = Vec::with_capacity(scans.len());
        for scan in &scans {
            bases.push(self.lines);
            self.lines += scan.lines;
        }
        let pieces = &scans[..good];
        let rows: usize = pieces.iter().map(|s| s.rows).sum();
        let columns = self.columns.par_iter_mut().zip(&mut self.missing);
        columns.enumerate().for_each(|(j, (all, missing))| {
            all.values.reserve(rows);
            missing.reserve(rows);
            for (scan, base) in pieces.iter().zip(&bases) {
                let piece = &scan.columns[j];
                all.values.extend_from_slice(&piece.values);
                let at = missing.len();
                missing.resize(at + scan.rows, false);
                for &row in &piece.missing_rows {
                    missing[at + row as usize] = true;
                }
                all.numbers += piece.numbers;
                all.texts += piece.texts;
                let shift = |(line, text): &(u64, String)| (line + base, text.clone());
                if all.first_text.is_none() {
                    all.first_text = piece.first_text.as_ref().map(shift);
                }
                if all.first_out_of_range.is_none() {
                    all.first_out_of_range = piece.first_out_of_range.as_ref().map(shift);
                }
            }
        });
        self.rows += rows;
        let mut scans = scans;
        let error = scans.get_mut(good).and_then(|s| s.error.take());
        spare.give(scans.into_iter().flat_map(|s| s.columns).map(|c| c.values));
        match error {
            Some(error) => {
                self.error = Some((error, bases[good]));
                false
            }
            None => true,
        }
    }
}

/// Emptied value vectors of a batch's pieces, handed to the next batch's:
/// memory the allocator would otherwise return to the kernel and fault in
/// again, a page at a time, for every batch.
#[derive(Default)]
struct Spare(std::sync::Mutex<Vec<Vec<f64>>>);

impl Spare {
    /// Up to `n` empty vectors.
    fn take(&self, n: usize) -> Vec<Vec<f64>> {
        match self.0.lock() {
            Ok(mut pool) => {
                let keep = pool.len().saturating_sub(n);
                pool.split_off(keep)
            }
            Err(_) => Vec::new(),
        }
    }

    /// Keeps `vectors`, emptied.
    fn give(&self, vectors: impl Iterator<Item = Vec<f64>>) {
        if let Ok(mut pool) = self.0.lock() {
            pool.extend(vectors.filter(|v| v.capacity() > 0).map(|mut v| {
                v.clear();
                v
            }));
        }
    }
}

/// Reads `source` with the header `names` and column `plans`. `lines_before`
/// gives the number of lines before the source's first byte; it is called
/// only to put a line number in an error. Pieces are at least `min_piece`
/// bytes ([`MIN_PIECE`]; tests split finer). `Ok(Err(OpenQuote))` when a
/// quoted field may span a piece boundary (the caller reads serially).
pub(crate) fn read(
    source: &Source<'_>,
    file: &str,
    names: Vec<String>,
    plans: &[Plan],
    lines_before: &dyn Fn() -> Result<u64, DataError>,
    min_piece: usize,
) -> Result<Result<Frame, OpenQuote>, DataError> {
    let width = names.len();
    let mut joined = Joined {
        columns: (0..width).map(|_| Scanned::default()).collect(),
        missing: vec![Vec::new(); width],
        rows: 0,
        lines: 0,
        error: None,
    };
    let spare = Spare::default();
    let scan = |p: &[u8]| part::scan(p, plans, &names, file, spare.take(width));
    if let Err(open) = over_pieces(source, min_piece, scan, |s, bytes| {
        joined.push(s, bytes, source.len(), &spare)
    })? {
        return Ok(Err(open));
    }
    if let Some((error, base)) = joined.error.take() {
        return Err(error.into_error(lines_before()? + base, file, width));
    }
    let n_rows = joined.rows;
    let kinds = decide(&joined.columns, plans, &names, file, lines_before)?;
    let categorical: Vec<usize> = (0..width).filter(|&j| !kinds[j]).collect();
    let mut dictionaries: Vec<Dictionary> = categorical
        .iter()
        .map(|_| Dictionary {
            codes: Vec::with_capacity(n_rows),
            ..Dictionary::default()
        })
        .collect();
    if !categorical.is_empty() {
        let code = |p: &[u8]| part::code(p, &categorical);
        let merge = |pieces: Vec<Vec<Coded>>, _| {
            pieces
                .into_iter()
                .for_each(|coded| merge(&mut dictionaries, coded));
            true
        };
        if let Err(open) = over_pieces(source, min_piece, code, merge)? {
            return Ok(Err(open));
        }
    }
    let mut columns = Vec::with_capacity(width);
    let columns_and_masks = joined.columns.into_iter().zip(joined.missing);
    for (j, (name, (scanned, missing))) in names.into_iter().zip(columns_and_masks).enumerate() {
        let column = if kinds[j] {
            Column {
                name,
                data: ColumnData::Numeric(scanned.values),
                missing,
            }
        } else {
            let k = categorical.iter().position(|&c| c == j).unwrap_or(0);
            let (codes, levels) = std::mem::take(&mut dictionaries[k]).finish();
            Column::categorical(name, codes, levels, missing)
        };
        columns.push(column);
    }
    Ok(Ok(Frame { columns, n_rows }))
}

/// Each column's kind (`true` numeric) once every piece is scanned, or the
/// refusal on the earliest line (see [`crate::csv`]'s rules).
fn decide(
    columns: &[Scanned],
    plans: &[Plan],
    names: &[String],
    file: &str,
    lines_before: &dyn Fn() -> Result<u64, DataError>,
) -> Result<Vec<bool>, DataError> {
    let mut kinds = Vec::with_capacity(plans.len());
    let mut refused: Option<(u64, usize, bool)> = None;
    for (j, (plan, column)) in plans.iter().zip(columns).enumerate() {
        let numeric = match plan {
            Plan::Numeric => true,
            Plan::Categorical => false,
            Plan::Inferred => {
                let (numbers, texts) = (column.numbers, column.texts);
                let refusal = if texts > 0 && numbers > texts {
                    column.first_text.as_ref().map(|t| (t.0, true))
                } else if texts == 0 {
                    column.first_out_of_range.as_ref().map(|t| (t.0, false))
                } else {
                    None
                };
                if let Some((line, mixed)) = refusal {
                    if refused.is_none_or(|(first, _, _)| line < first) {
                        refused = Some((line, j, mixed));
                    }
                }
                texts == 0
            }
        };
        kinds.push(numeric);
    }
    let Some((line, j, mixed)) = refused else {
        return Ok(kinds);
    };
    let line = lines_before()? + line;
    let column = &columns[j];
    Err(if mixed {
        DataError::MixedColumn {
            file: file.to_string(),
            line,
            column: names[j].clone(),
            value: column.first_text.clone().unwrap_or_default().1,
            texts: column.texts,
            values: column.texts + column.numbers,
        }
    } else {
        let value = column.first_out_of_range.clone().unwrap_or_default().1;
        out_of_range(file, line, &names[j], value)
    })
}

/// Appends one piece's dictionaries to the categorical columns' ones.
fn merge(dictionaries: &mut [Dictionary], piece: Vec<Coded>) {
    for (dict, coded) in dictionaries.iter_mut().zip(piece) {
        let remap: Vec<u32> = coded.levels.into_iter().map(|level| dict.code(level)).collect();
        dict.codes.extend(coded.codes.iter().map(|&c| {
            if c == u32::MAX {
                u32::MAX
            } else {
                remap[c as usize]
            }
        }));
    }
}
