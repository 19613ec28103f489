//! The parallel CSV reader: batches of lines split into pieces at line
//! starts, each piece parsed on its own thread (pass 1: numbers and missing
//! masks; pass 2, only when a column is categorical: dictionary codes), the
//! pieces joined in file order. The rules are the module's (see
//! [`crate::csv`]); the result equals the serial reader's, errors included.

use super::part::{self, Coded, OpenQuote, Plan, Scan};
use super::source::Source;
use super::{out_of_range, Dictionary};
use crate::error::DataError;
use crate::frame::{Column, ColumnData, Frame};
use rayon::prelude::*;

/// Pieces of a batch smaller than this are not worth a thread.
pub(crate) const MIN_PIECE: usize = 256 << 10;

/// Splits `batch` into about `n` pieces, each ending at a line break.
fn split(batch: &[u8], n: usize, min_piece: usize) -> Vec<&[u8]> {
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
/// returns the results in file order; stops after a result `stop` accepts.
fn over_pieces<T: Send>(
    source: &Source<'_>,
    min_piece: usize,
    each: impl Fn(&[u8]) -> Result<T, OpenQuote> + Sync,
    stop: impl Fn(&T) -> bool,
) -> Result<Result<Vec<T>, OpenQuote>, DataError> {
    let threads = rayon::current_num_threads();
    let mut out = Vec::new();
    let mut open = None;
    source.batches(&mut |batch| {
        let pieces = split(batch, threads * 4, min_piece);
        let results: Vec<Result<T, OpenQuote>> = pieces.par_iter().map(|p| each(p)).collect();
        for result in results {
            match result {
                Ok(t) => {
                    let done = stop(&t);
                    out.push(t);
                    if done {
                        return Ok(false);
                    }
                }
                Err(e) => {
                    open = Some(e);
                    return Ok(false);
                }
            }
        }
        Ok(true)
    })?;
    Ok(match open {
        Some(e) => Err(e),
        None => Ok(out),
    })
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
    let scans = match over_pieces(
        source,
        min_piece,
        |p| part::scan(p, plans, &names, file),
        |s| s.error.is_some(),
    )? {
        Ok(scans) => scans,
        Err(open) => return Ok(Err(open)),
    };
    // Each piece's first line, counted from the source's start.
    let mut bases = Vec::with_capacity(scans.len());
    let mut lines = 0u64;
    for scan in &scans {
        bases.push(lines);
        lines += scan.lines;
    }
    let mut scans = scans;
    if let Some(i) = scans.iter().position(|s| s.error.is_some()) {
        if let Some(error) = scans[i].error.take() {
            return Err(error.into_error(lines_before()? + bases[i], file, width));
        }
    }
    let n_rows: usize = scans.iter().map(|s| s.rows).sum();
    let kinds = decide(&scans, &bases, plans, &names, file, lines_before)?;
    let categorical: Vec<usize> = (0..width).filter(|&j| !kinds[j]).collect();
    let mut dictionaries = if categorical.is_empty() {
        Vec::new()
    } else {
        match over_pieces(source, min_piece, |p| part::code(p, &categorical), |_| false)? {
            Ok(pieces) => merge(pieces, categorical.len(), n_rows),
            Err(open) => return Ok(Err(open)),
        }
    };
    let mut columns = Vec::with_capacity(width);
    for (j, name) in names.into_iter().enumerate() {
        let mut missing = Vec::with_capacity(n_rows);
        for scan in &mut scans {
            missing.extend_from_slice(&std::mem::take(&mut scan.columns[j].missing));
        }
        let column = if kinds[j] {
            let mut values = Vec::with_capacity(n_rows);
            for scan in &mut scans {
                values.extend_from_slice(&std::mem::take(&mut scan.columns[j].values));
            }
            Column {
                name,
                data: ColumnData::Numeric(values),
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
    scans: &[Scan],
    bases: &[u64],
    plans: &[Plan],
    names: &[String],
    file: &str,
    lines_before: &dyn Fn() -> Result<u64, DataError>,
) -> Result<Vec<bool>, DataError> {
    let mut kinds = Vec::with_capacity(plans.len());
    let mut refused: Option<(u64, usize, bool)> = None;
    for (j, plan) in plans.iter().enumerate() {
        let numeric = match plan {
            Plan::Numeric => true,
            Plan::Categorical => false,
            Plan::Inferred => {
                let numbers: usize = scans.iter().map(|s| s.columns[j].numbers).sum();
                let texts: usize = scans.iter().map(|s| s.columns[j].texts).sum();
                let first = |get: fn(&part::Scanned) -> Option<u64>| {
                    scans
                        .iter()
                        .zip(bases)
                        .find_map(|(s, b)| get(&s.columns[j]).map(|l| b + l))
                };
                let refusal = if texts > 0 && numbers > texts {
                    first(|c| c.first_text.as_ref().map(|t| t.0)).map(|l| (l, true))
                } else if texts == 0 {
                    first(|c| c.first_out_of_range.as_ref().map(|t| t.0)).map(|l| (l, false))
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
    let value = |get: fn(&part::Scanned) -> &Option<(u64, String)>| {
        scans
            .iter()
            .find_map(|s| get(&s.columns[j]).as_ref().map(|t| t.1.clone()))
            .unwrap_or_default()
    };
    Err(if mixed {
        let texts: usize = scans.iter().map(|s| s.columns[j].texts).sum();
        let numbers: usize = scans.iter().map(|s| s.columns[j].numbers).sum();
        DataError::MixedColumn {
            file: file.to_string(),
            line,
            column: names[j].clone(),
            value: value(|c| &c.first_text),
            texts,
            values: texts + numbers,
        }
    } else {
        out_of_range(file, line, &names[j], value(|c| &c.first_out_of_range))
    })
}

/// Joins the pieces' dictionaries of each categorical column into one.
fn merge(pieces: Vec<Vec<Coded>>, columns: usize, n_rows: usize) -> Vec<Dictionary> {
    let mut merged: Vec<Dictionary> = (0..columns)
        .map(|_| Dictionary {
            codes: Vec::with_capacity(n_rows),
            ..Dictionary::default()
        })
        .collect();
    for piece in pieces {
        for (dict, coded) in merged.iter_mut().zip(piece) {
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
    merged
}
