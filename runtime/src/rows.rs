//! The row ABI encoder: a [`Frame`] to the dense `f32` rows a compiled graph reads.
//!
//! One slot per [`InputSlot`], in slot order, matched to frame columns by name:
//! numeric slots get the value as `f32` (NaN when missing); categorical slots get the
//! index of the row's level within the slot's levels (matched by string, so the
//! frame's own dictionary may differ), `-1` for an unseen level and NaN when missing.

use crate::error::DataError;
use crate::frame::{Column, ColumnData, Frame};
use mlg_compiler::ir::{InputSlot, SlotKind};
use rayon::prelude::*;
use std::collections::HashMap;

/// Rows per block: each block is filled slot by slot, so a block's output stays in
/// cache while the column reads stay sequential.
const BLOCK_ROWS: usize = 1024;
/// Below this many rows the encoder runs on the calling thread.
const PARALLEL_ROWS: usize = 16 * 1024;
/// The code an unseen categorical level gets.
pub const UNSEEN: f32 = -1.0;

/// Encodes `frame` into row-major `frame.n_rows × slots.len()` `f32` values.
///
/// Extra frame columns are ignored. Errors: [`DataError::MissingColumns`] listing
/// every slot without a column; [`DataError::NotNumeric`] when a categorical column
/// with a non-missing value feeds a numeric slot; [`DataError::InvalidFrame`] when a
/// column's length differs from `n_rows` or a code lies outside its levels;
/// [`DataError::OutOfRangeRow`] when a numeric slot's value is infinite or
/// beyond the `f32` range ([`fits_f32`]). A numeric
/// column feeding a categorical slot is matched by value against the levels that
/// parse as numbers (`2` matches level `"2"` or `"2.0"`).
pub fn encode_rows(frame: &Frame, slots: &[InputSlot]) -> Result<Vec<f32>, DataError> {
    let width = slots.len();
    let total = frame
        .n_rows
        .checked_mul(width)
        .ok_or_else(|| DataError::InvalidFrame {
            message: format!(
                "{} rows of {width} slots overflow the address space",
                frame.n_rows
            ),
        })?;
    let mut out = vec![0.0f32; total];
    encode_rows_into(frame, slots, &mut out)?;
    Ok(out)
}

/// [`encode_rows`] into a caller's buffer, which must hold exactly
/// `frame.n_rows × slots.len()` values (else [`DataError::InvalidFrame`]); every
/// value of it is overwritten.
pub fn encode_rows_into(frame: &Frame, slots: &[InputSlot], out: &mut [f32]) -> Result<(), DataError> {
    encode_range_into(frame, slots, 0..frame.n_rows, out)
}

/// [`encode_rows_into`] of the frame rows `rows` only (which must lie within
/// the frame), without copying them out first: `out` holds `rows.len() ×
/// slots.len()` values, and errors name frame rows.
pub fn encode_range_into(
    frame: &Frame,
    slots: &[InputSlot],
    rows: std::ops::Range<usize>,
    out: &mut [f32],
) -> Result<(), DataError> {
    let missing: Vec<String> = slots
        .iter()
        .filter(|s| frame.column(&s.name).is_none())
        .map(|s| s.name.clone())
        .collect();
    if !missing.is_empty() {
        return Err(DataError::MissingColumns { columns: missing });
    }
    if rows.end > frame.n_rows || rows.start > rows.end {
        return Err(DataError::InvalidFrame {
            message: format!("rows {rows:?} are not within the frame's {} rows", frame.n_rows),
        });
    }
    let n_rows = rows.len();
    let width = slots.len();
    if n_rows.checked_mul(width) != Some(out.len()) {
        return Err(DataError::InvalidFrame {
            message: format!(
                "the output buffer holds {} values, not {n_rows} rows of {width} slots",
                out.len()
            ),
        });
    }
    let mut sources = Vec::with_capacity(slots.len());
    for slot in slots {
        if let Some(column) = frame.column(&slot.name) {
            sources.push(Source::new(column, slot, frame.n_rows, rows.clone())?);
        }
    }
    if width == 0 {
        return Ok(());
    }
    let fill = |(block, chunk): (usize, &mut [f32])| {
        let start = rows.start + block * BLOCK_ROWS;
        for (slot, source) in sources.iter().enumerate() {
            source.fill(chunk, start, slot, width);
        }
    };
    if n_rows >= PARALLEL_ROWS {
        out.par_chunks_mut(BLOCK_ROWS * width).enumerate().for_each(fill);
    } else {
        out.chunks_mut(BLOCK_ROWS * width).enumerate().for_each(fill);
    }
    Ok(())
}

/// Where one slot's values come from.
enum Source<'a> {
    /// A numeric column into a numeric slot.
    Numeric { values: &'a [f64], missing: &'a [bool] },
    /// A categorical column into a categorical slot; `map[code]` is the slot code.
    Coded {
        codes: &'a [u32],
        missing: &'a [bool],
        map: Vec<f32>,
    },
    /// A numeric column into a categorical slot; keys are normalized `f64` bits.
    ByValue {
        values: &'a [f64],
        missing: &'a [bool],
        map: HashMap<u64, f32>,
    },
    /// A categorical column with no value at all into a numeric slot.
    AllMissing,
}

/// For every slot, the largest magnitude of the value [`encode_rows`] would
/// give it on any row of `frame`, or `None` where some row would encode it
/// as NaN (a missing value, a column the frame lacks, a categorical column
/// in a numeric slot) or as a number beyond `f32`. Slots are scanned in
/// parallel.
pub fn input_bounds(frame: &Frame, slots: &[InputSlot]) -> Vec<Option<f64>> {
    let bound = |slot: &InputSlot| -> Option<f64> {
        let column = frame.column(&slot.name)?;
        if column.missing.iter().any(|m| *m) {
            return None;
        }
        match (&column.data, &slot.kind) {
            (ColumnData::Numeric(values), SlotKind::Numeric | SlotKind::Date) => {
                // Rounding to `f32` is monotone, so the largest magnitude
                // rounds to the largest rounded one. No branch per value.
                let (largest, nan) = values.iter().fold((0.0f64, false), |(m, nan), v| {
                    let a = v.abs();
                    (if a > m { a } else { m }, nan | v.is_nan())
                });
                (!nan && fits_f32(largest)).then(|| f64::from(largest as f32))
            }
            // Codes into the slot's levels, or UNSEEN (-1).
            (ColumnData::Categorical { .. }, SlotKind::Categorical { levels }) => {
                Some(levels.len().max(1) as f64)
            }
            (ColumnData::Numeric(values), SlotKind::Categorical { levels }) => {
                (!values.iter().any(|v| v.is_nan())).then(|| levels.len().max(1) as f64)
            }
            (ColumnData::Categorical { .. }, SlotKind::Numeric | SlotKind::Date) => None,
        }
    };
    slots.par_iter().map(bound).collect()
}

/// True when `v` is a number a model can take: finite once converted to the
/// `f32` the compiled function computes in (so `|v|` at most about
/// 3.4028235e38, `f32::MAX` after rounding). NaN, the missing value, is not a
/// number here; callers test it first. Every reader refuses numbers that fail
/// this with the value, the row and the column, never passing on an infinity.
pub fn fits_f32(v: f64) -> bool {
    (v as f32).is_finite()
}

/// The least magnitude that rounds to infinity in `f32`: `f32::MAX` plus
/// half its ulp (`2^103`; the tie rounds to the even infinity). A finite
/// `v` fits `f32` exactly when `|v|` is below it ([`fits_f32`]).
const F32_ROUNDS_TO_INFINITY: f64 = f32::MAX as f64 + 10141204801825835211973625643008.0;

/// `f64` bits with `-0.0` folded into `0.0`, for value lookups.
pub(crate) fn value_key(v: f64) -> u64 {
    if v == 0.0 {
        0
    } else {
        v.to_bits()
    }
}

impl<'a> Source<'a> {
    /// Checks `column` (of a frame of `n_rows` rows) against `slot` on the
    /// rows `rows` and prepares the mapping.
    fn new(
        column: &'a Column,
        slot: &InputSlot,
        n_rows: usize,
        rows: std::ops::Range<usize>,
    ) -> Result<Self, DataError> {
        let data_len = match &column.data {
            ColumnData::Numeric(v) => v.len(),
            ColumnData::Categorical { codes, .. } => codes.len(),
        };
        if column.missing.len() != n_rows || data_len != n_rows {
            return Err(DataError::InvalidFrame {
                message: format!(
                    "column `{}` has {data_len} values and {} mask entries but the frame has {n_rows} rows",
                    column.name,
                    column.missing.len()
                ),
            });
        }
        let missing = column.missing.as_slice();
        match (&column.data, &slot.kind) {
            (ColumnData::Numeric(values), SlotKind::Numeric | SlotKind::Date) => {
                // One branch-free pass finds whether any value is beyond `f32`
                // at all; only then is the first such row looked for.
                let beyond = values[rows.clone()]
                    .iter()
                    .fold(false, |beyond, v| beyond | (v.abs() >= F32_ROUNDS_TO_INFINITY));
                let bad = beyond
                    .then(|| {
                        values[rows.clone()]
                            .iter()
                            .zip(&missing[rows.clone()])
                            .position(|(v, m)| !*m && !v.is_nan() && !fits_f32(*v))
                    })
                    .flatten()
                    .map(|r| rows.start + r);
                if let Some(row) = bad {
                    return Err(DataError::OutOfRangeRow {
                        file: None,
                        row: row + 1,
                        column: column.name.clone(),
                        value: values[row],
                    });
                }
                Ok(Source::Numeric { values, missing })
            }
            (ColumnData::Categorical { codes, levels }, SlotKind::Numeric) => {
                match missing[rows.clone()]
                    .iter()
                    .position(|m| !*m)
                    .map(|r| rows.start + r)
                {
                    None => Ok(Source::AllMissing),
                    Some(row) => Err(DataError::NotNumeric {
                        column: column.name.clone(),
                        row: row + 1,
                        value: levels.get(codes[row] as usize).cloned().unwrap_or_default(),
                    }),
                }
            }
            (ColumnData::Categorical { codes, levels }, SlotKind::Date) => {
                // Date text, as read without kinds: each level parsed once.
                let mut map = Vec::with_capacity(levels.len());
                for (code, level) in levels.iter().enumerate() {
                    match crate::dates::parse(level) {
                        Some(h) => map.push(h as f32),
                        None => {
                            let row = codes[rows.clone()]
                                .iter()
                                .zip(&missing[rows.clone()])
                                .position(|(c, m)| !*m && *c as usize == code);
                            match row {
                                Some(r) => {
                                    return Err(DataError::NotDate {
                                        column: column.name.clone(),
                                        row: rows.start + r + 1,
                                        value: level.clone(),
                                    })
                                }
                                None => map.push(f32::NAN),
                            }
                        }
                    }
                }
                Ok(Source::Coded { codes, missing, map })
            }
            (ColumnData::Categorical { codes, levels }, SlotKind::Categorical { levels: wanted }) => {
                let bad = codes[rows.clone()]
                    .iter()
                    .zip(&missing[rows.clone()])
                    .position(|(c, m)| !*m && *c as usize >= levels.len())
                    .map(|r| rows.start + r);
                if let Some(row) = bad {
                    return Err(DataError::InvalidFrame {
                        message: format!(
                            "column `{}`: row {} has code {} but only {} levels",
                            column.name,
                            row + 1,
                            codes[row],
                            levels.len()
                        ),
                    });
                }
                let index: HashMap<&str, f32> = wanted
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(i, l)| (l.as_str(), i as f32))
                    .collect();
                let map = levels
                    .iter()
                    .map(|l| index.get(l.as_str()).copied().unwrap_or(UNSEEN))
                    .collect();
                Ok(Source::Coded { codes, missing, map })
            }
            (ColumnData::Numeric(values), SlotKind::Categorical { levels: wanted }) => {
                let mut map = HashMap::new();
                for (i, level) in wanted.iter().enumerate() {
                    if let Ok(v) = level.trim().parse::<f64>() {
                        map.entry(value_key(v)).or_insert(i as f32);
                    }
                }
                Ok(Source::ByValue { values, missing, map })
            }
        }
    }

    /// Writes this source's values for rows `start..` into column `slot` of `chunk`
    /// (row-major, `width` values per row).
    fn fill(&self, chunk: &mut [f32], start: usize, slot: usize, width: usize) {
        let rows = chunk.len() / width;
        let cells = chunk.chunks_exact_mut(width).filter_map(|row| row.get_mut(slot));
        match self {
            Source::Numeric { values, missing } => {
                let range = start..start + rows;
                for ((cell, &v), &m) in cells.zip(&values[range.clone()]).zip(&missing[range]) {
                    *cell = if m { f32::NAN } else { v as f32 };
                }
            }
            Source::Coded { codes, missing, map } => {
                let range = start..start + rows;
                for ((cell, &c), &m) in cells.zip(&codes[range.clone()]).zip(&missing[range]) {
                    *cell = if m {
                        f32::NAN
                    } else {
                        map.get(c as usize).copied().unwrap_or(UNSEEN)
                    };
                }
            }
            Source::ByValue { values, missing, map } => {
                let range = start..start + rows;
                for ((cell, &v), &m) in cells.zip(&values[range.clone()]).zip(&missing[range]) {
                    *cell = if m || v.is_nan() {
                        f32::NAN
                    } else {
                        map.get(&value_key(v)).copied().unwrap_or(UNSEEN)
                    };
                }
            }
            Source::AllMissing => cells.for_each(|cell| *cell = f32::NAN),
        }
    }
}

#[cfg(test)]
#[test]
fn the_f32_limit_is_where_rounding_reaches_infinity() {
    let below = f64::from_bits(F32_ROUNDS_TO_INFINITY.to_bits() - 1);
    assert!(fits_f32(below) && fits_f32(-below));
    assert!(!fits_f32(F32_ROUNDS_TO_INFINITY) && !fits_f32(-F32_ROUNDS_TO_INFINITY));
}
