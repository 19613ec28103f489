//! Columnar frames: numeric (`f64`) and categorical (dictionary-coded) columns,
//! each with a null mask.

use crate::memory::collect_huge;
use serde::{Deserialize, Serialize};

/// The values of one column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ColumnData {
    /// Numbers; a missing entry holds NaN (and is marked in the null mask).
    Numeric(Vec<f64>),
    /// Codes into `levels`; a missing entry holds code 0 (and is marked in the null mask).
    Categorical {
        /// One code per row, an index into `levels`.
        codes: Vec<u32>,
        /// The category names.
        levels: Vec<String>,
    },
}

/// One named column. Invariant: `missing.len()` equals the data length.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// The values, missing entries included.
    pub data: ColumnData,
    /// `true` where the value is missing.
    pub missing: Vec<bool>,
}

impl Column {
    /// A numeric column; NaN entries are marked missing.
    pub fn numeric(name: impl Into<String>, values: Vec<f64>) -> Column {
        let missing = values.iter().map(|v| v.is_nan()).collect();
        Column {
            name: name.into(),
            data: ColumnData::Numeric(values),
            missing,
        }
    }

    /// A categorical column from codes, levels and a null mask.
    pub fn categorical(
        name: impl Into<String>,
        codes: Vec<u32>,
        levels: Vec<String>,
        missing: Vec<bool>,
    ) -> Column {
        Column {
            name: name.into(),
            data: ColumnData::Categorical { codes, levels },
            missing,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.missing.len()
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty()
    }

    /// True for numeric columns.
    pub fn is_numeric(&self) -> bool {
        matches!(self.data, ColumnData::Numeric(_))
    }

    /// Number of missing entries.
    pub fn missing_count(&self) -> usize {
        self.missing.iter().filter(|m| **m).count()
    }

    /// The numeric values, if numeric.
    pub fn as_numeric(&self) -> Option<&[f64]> {
        match &self.data {
            ColumnData::Numeric(v) => Some(v),
            ColumnData::Categorical { .. } => None,
        }
    }

    /// The rows at `rows`, in that order.
    pub fn take(&self, rows: &[usize]) -> Column {
        let missing = collect_huge(rows.iter().map(|&r| self.missing[r]));
        let data = match &self.data {
            ColumnData::Numeric(v) => ColumnData::Numeric(collect_huge(rows.iter().map(|&r| v[r]))),
            ColumnData::Categorical { codes, levels } => ColumnData::Categorical {
                codes: collect_huge(rows.iter().map(|&r| codes[r])),
                levels: levels.clone(),
            },
        };
        Column {
            name: self.name.clone(),
            data,
            missing,
        }
    }

    /// The value at `row` as text (levels for categoricals, `""` when missing).
    pub fn display_value(&self, row: usize) -> String {
        if self.missing[row] {
            return String::new();
        }
        match &self.data {
            ColumnData::Numeric(v) => format!("{}", v[row]),
            ColumnData::Categorical { codes, levels } => levels[codes[row] as usize].clone(),
        }
    }
}

/// A table of equally long named columns.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// The columns in order.
    pub columns: Vec<Column>,
    /// The length of every column.
    pub n_rows: usize,
}

impl Frame {
    /// A frame from columns; they must all have `n_rows` rows.
    pub fn new(columns: Vec<Column>, n_rows: usize) -> Frame {
        debug_assert!(columns.iter().all(|c| c.len() == n_rows));
        Frame { columns, n_rows }
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Position of the column named `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Column names in order.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// The rows at `rows`, in that order.
    pub fn take(&self, rows: &[usize]) -> Frame {
        Frame {
            columns: self.columns.iter().map(|c| c.take(rows)).collect(),
            n_rows: rows.len(),
        }
    }

    /// The rows `rows` (in that order) of every column but the one named
    /// `name`: one copy, where `take(rows).without(name)` makes two.
    pub fn take_without(&self, rows: &[usize], name: &str) -> Frame {
        Frame {
            columns: self
                .columns
                .iter()
                .filter(|c| c.name != name)
                .map(|c| c.take(rows))
                .collect(),
            n_rows: rows.len(),
        }
    }

    /// This frame without the column named `name`.
    pub fn without(&self, name: &str) -> Frame {
        Frame {
            columns: self.columns.iter().filter(|c| c.name != name).cloned().collect(),
            n_rows: self.n_rows,
        }
    }
}

/// Appends `name`, the `index`th (0-based) column name of the file `file`
/// (CSV header or Parquet schema), to `names`: an empty name is a
/// [`DataError::EmptyColumnName`] (1-based index), one already in `names` a
/// [`DataError::DuplicateColumn`].
pub(crate) fn push_column_name(
    names: &mut Vec<String>,
    name: &str,
    index: usize,
    file: &str,
) -> Result<(), crate::error::DataError> {
    use crate::error::DataError;
    if name.is_empty() {
        return Err(DataError::EmptyColumnName {
            file: file.to_string(),
            index: index + 1,
        });
    }
    if names.iter().any(|n| n == name) {
        return Err(DataError::DuplicateColumn {
            file: file.to_string(),
            column: name.to_string(),
        });
    }
    names.push(name.to_string());
    Ok(())
}
