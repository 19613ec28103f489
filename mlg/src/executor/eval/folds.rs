//! Reads a fold file for `predefined_folds`: a CSV with a `fold` column and an
//! optional `row` column giving the data row each fold id belongs to.

use crate::error::{Error, Result};
use std::path::Path;

/// One fold id per data row (`n_rows` of them), from the file at `path`.
pub fn read_fold_ids(path: &Path, n_rows: usize) -> Result<Vec<i64>> {
    let frame = mlg_runtime::csv::read_csv(path)?;
    let bad = |message: String| Error::Usage(format!("fold file `{}`: {message}", path.display()));
    let integers = |name: &str| -> Result<Option<Vec<i64>>> {
        let Some(col) = frame.column(name) else {
            return Ok(None);
        };
        let values = col
            .as_numeric()
            .ok_or_else(|| bad(format!("column `{name}` must hold integers")))?;
        values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if v.is_finite() && v.fract() == 0.0 {
                    Ok(*v as i64)
                } else {
                    Err(bad(format!("row {} of column `{name}` is not an integer", i + 2)))
                }
            })
            .collect::<Result<Vec<i64>>>()
            .map(Some)
    };
    let folds = integers("fold")?.ok_or_else(|| bad("has no `fold` column".into()))?;
    let Some(rows) = integers("row")? else {
        if folds.len() != n_rows {
            return Err(bad(format!(
                "has {} fold ids but the data has {n_rows} rows",
                folds.len()
            )));
        }
        return Ok(folds);
    };
    let mut ids = vec![None; n_rows];
    for (line, (&row, &fold)) in rows.iter().zip(&folds).enumerate() {
        let slot = usize::try_from(row)
            .ok()
            .and_then(|r| ids.get_mut(r))
            .ok_or_else(|| {
                bad(format!(
                    "line {}: row {row} is outside the data's {n_rows} rows",
                    line + 2
                ))
            })?;
        *slot = Some(fold);
    }
    ids.iter()
        .enumerate()
        .map(|(row, id)| id.ok_or_else(|| bad(format!("gives no fold for data row {row}"))))
        .collect()
}
