//! Combining frames: `join` on a key column (inner or left, SQL semantics) and
//! `concat` of frames with the same columns. Categorical columns from different
//! sources are re-coded into one sorted dictionary.

use crate::error::DataError;
use crate::frame::{Column, ColumnData, Frame};
use std::collections::HashMap;

/// How rows without a partner are treated by [`join`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinHow {
    /// Keep only left rows that have at least one right row with the same key.
    Inner,
    /// Keep every left row; right columns are missing where no right row matches.
    Left,
}

fn invalid(message: String) -> DataError {
    DataError::InvalidFrame { message }
}

/// A hashable key value: numbers by bit pattern (`-0.0` folded into `0.0`),
/// categories by text; missing keys never match.
fn key_of(column: &Column, row: usize) -> Option<String> {
    if column.missing[row] {
        return None;
    }
    Some(match &column.data {
        ColumnData::Numeric(v) => format!("n{}", if v[row] == 0.0 { 0.0f64 } else { v[row] }),
        ColumnData::Categorical { codes, levels } => format!("c{}", levels[codes[row] as usize]),
    })
}

/// Rows `rows` of `column`, where `None` yields a missing entry.
fn gather(column: &Column, rows: &[Option<usize>]) -> Column {
    let missing = rows.iter().map(|r| r.is_none_or(|r| column.missing[r])).collect();
    let data = match &column.data {
        ColumnData::Numeric(v) => {
            ColumnData::Numeric(rows.iter().map(|r| r.map_or(f64::NAN, |r| v[r])).collect())
        }
        ColumnData::Categorical { codes, levels } => ColumnData::Categorical {
            codes: rows.iter().map(|r| r.map_or(0, |r| codes[r])).collect(),
            levels: levels.clone(),
        },
    };
    Column {
        name: column.name.clone(),
        data,
        missing,
    }
}

/// Joins `left` and `right` on the column `on` (present in both, same kind). The
/// result has every left column, then every right column except the key, one row
/// per matching (left, right) pair in left order then right order; `Left` keeps
/// unmatched left rows with missing right columns. Other column names must differ.
pub fn join(left: &Frame, right: &Frame, on: &str, how: JoinHow) -> Result<Frame, DataError> {
    let lkey = left
        .column(on)
        .ok_or_else(|| invalid(format!("join key `{on}` is not a column of the left input")))?;
    let rkey = right
        .column(on)
        .ok_or_else(|| invalid(format!("join key `{on}` is not a column of the right input")))?;
    if lkey.is_numeric() != rkey.is_numeric() {
        return Err(invalid(format!(
            "join key `{on}` is numeric on one side and categorical on the other"
        )));
    }
    for col in right.columns.iter().filter(|c| c.name != on) {
        if left.column(&col.name).is_some() {
            return Err(invalid(format!("column `{}` is in both join inputs", col.name)));
        }
    }
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for row in 0..right.n_rows {
        if let Some(k) = key_of(rkey, row) {
            index.entry(k).or_default().push(row);
        }
    }
    let (mut lrows, mut rrows) = (Vec::new(), Vec::new());
    for row in 0..left.n_rows {
        match key_of(lkey, row).and_then(|k| index.get(&k)) {
            Some(matches) => {
                for &r in matches {
                    lrows.push(Some(row));
                    rrows.push(Some(r));
                }
            }
            None if how == JoinHow::Left => {
                lrows.push(Some(row));
                rrows.push(None);
            }
            None => {}
        }
    }
    let mut columns: Vec<Column> = left.columns.iter().map(|c| gather(c, &lrows)).collect();
    columns.extend(
        right
            .columns
            .iter()
            .filter(|c| c.name != on)
            .map(|c| gather(c, &rrows)),
    );
    Ok(Frame::new(columns, lrows.len()))
}

/// Stacks `parts` row-wise. Every part must have the same column names and kinds
/// (in any order; the first part's order is kept); categorical columns get one
/// merged, sorted dictionary.
pub fn concat(parts: &[&Frame]) -> Result<Frame, DataError> {
    let first = parts.first().ok_or_else(|| invalid("concat of nothing".into()))?;
    let n_rows = parts.iter().map(|p| p.n_rows).sum();
    let mut columns = Vec::with_capacity(first.columns.len());
    for col in &first.columns {
        let mut pieces = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let c = part
                .column(&col.name)
                .ok_or_else(|| invalid(format!("input {} of concat has no column `{}`", i + 1, col.name)))?;
            if c.is_numeric() != col.is_numeric() {
                return Err(invalid(format!(
                    "column `{}` has different kinds in the concat inputs",
                    col.name
                )));
            }
            pieces.push(c);
        }
        columns.push(stack(&pieces));
    }
    for (i, part) in parts.iter().enumerate() {
        if part.columns.len() != first.columns.len() {
            return Err(invalid(format!(
                "input {} of concat has {} columns, the first has {}",
                i + 1,
                part.columns.len(),
                first.columns.len()
            )));
        }
    }
    Ok(Frame::new(columns, n_rows))
}

/// One column made of `pieces` (same name and kind) one after another.
fn stack(pieces: &[&Column]) -> Column {
    let missing: Vec<bool> = pieces.iter().flat_map(|c| c.missing.iter().copied()).collect();
    let name = pieces[0].name.clone();
    if pieces[0].is_numeric() {
        let values = pieces
            .iter()
            .flat_map(|c| c.as_numeric().unwrap_or(&[]).iter().copied())
            .collect();
        return Column {
            name,
            data: ColumnData::Numeric(values),
            missing,
        };
    }
    let mut levels: Vec<String> = pieces
        .iter()
        .flat_map(|c| match &c.data {
            ColumnData::Categorical { levels, .. } => levels.clone(),
            ColumnData::Numeric(_) => Vec::new(),
        })
        .collect();
    levels.sort();
    levels.dedup();
    let mut codes = Vec::with_capacity(missing.len());
    for c in pieces {
        if let ColumnData::Categorical {
            codes: own,
            levels: own_levels,
        } = &c.data
        {
            let remap: Vec<u32> = own_levels
                .iter()
                .map(|l| levels.binary_search(l).map_or(0, |i| i as u32))
                .collect();
            codes.extend(own.iter().map(|&k| remap.get(k as usize).copied().unwrap_or(0)));
        }
    }
    Column {
        name,
        data: ColumnData::Categorical { codes, levels },
        missing,
    }
}
