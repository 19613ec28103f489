//! Rows a service holds in memory: [`Row`] (named [`Value`]s) and its encoder
//! into the row ABI, so that `model.predict(&rows)` needs no [`crate::Frame`].
//!
//! A row must give every input column of the model exactly once and nothing
//! else: an unknown column, a missing column or a value of the wrong type is a
//! [`RowError`] naming the row and the column. [`Value::Missing`] (or a NaN
//! number) is a missing value, which the model imputes like a missing CSV field.
//! A number for a numeric column must be finite in `f32` (an infinity, or a
//! magnitude above 3.4028235e38, is a [`RowError::OutOfRange`]).
//! Categorical values are matched to the model's levels by string (a level the
//! model never saw gets the reserved unseen code, as in [`crate::rows`]); a
//! number given for a categorical column is matched against the levels that
//! parse as numbers, like a numeric CSV column.

use crate::rows::{fits_f32, value_key, UNSEEN};
use mlg_compiler::ir::{InputSlot, SlotKind};
use std::collections::HashMap;
use thiserror::Error;

/// One input value of a [`Row`].
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A number, for a numeric column (NaN means missing).
    Number(f64),
    /// A category level, for a categorical column.
    Text(String),
    /// No value: the model treats it as missing.
    Missing,
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Number(v)
    }
}

impl From<f32> for Value {
    fn from(v: f32) -> Value {
        Value::Number(v.into())
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Value {
        Value::Number(v.into())
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Number(v as f64)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Missing, Into::into)
    }
}

impl Value {
    /// What kind of value this is, for error messages.
    fn describe(&self) -> String {
        match self {
            Value::Number(v) => format!("the number {v}"),
            Value::Text(s) => format!("the text {s:?}"),
            Value::Missing => "a missing value".to_string(),
        }
    }
}

/// One input row: column names with their values, in the order they were set.
///
/// ```
/// use mlg_runtime::{Row, Value};
/// let row = Row::new().num("sepal_length", 5.1).cat("island", "Biscoe").missing("sex");
/// assert_eq!(row.len(), 3);
/// let same: Row = [("sepal_length", Value::from(5.1)), ("island", Value::from("Biscoe"))]
///     .into_iter()
///     .collect();
/// assert_eq!(same.get("island"), row.get("island"));
/// ```
///
/// Setting a column that is already there replaces its value. Building the row
/// in the model's input order (see [`crate::Model::inputs`]) makes encoding a
/// little faster, but any order works.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    fields: Vec<(String, Value)>,
}

impl Row {
    /// An empty row.
    pub fn new() -> Row {
        Row::default()
    }

    /// An empty row with room for `n` columns.
    pub fn with_capacity(n: usize) -> Row {
        Row {
            fields: Vec::with_capacity(n),
        }
    }

    /// Sets column `name` to the number `value` (builder form).
    pub fn num(self, name: impl Into<String>, value: f64) -> Row {
        self.with(name, Value::Number(value))
    }

    /// Sets column `name` to the category `level` (builder form).
    pub fn cat(self, name: impl Into<String>, level: impl Into<String>) -> Row {
        self.with(name, Value::Text(level.into()))
    }

    /// Marks column `name` missing (builder form).
    pub fn missing(self, name: impl Into<String>) -> Row {
        self.with(name, Value::Missing)
    }

    /// Sets column `name` to `value` (builder form).
    pub fn with(mut self, name: impl Into<String>, value: impl Into<Value>) -> Row {
        self.set(name, value);
        self
    }

    /// Sets column `name` to `value`, replacing any value it had.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        let name = name.into();
        let value = value.into();
        match self.fields.iter_mut().find(|(n, _)| *n == name) {
            Some((_, old)) => *old = value,
            None => self.fields.push((name, value)),
        }
    }

    /// The value of column `name`, if the row has it.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Number of columns set.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when no column is set.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The columns and their values, in the order they were first set.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.fields.iter().map(|(n, v)| (n.as_str(), v))
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Row {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Row {
        let mut row = Row::new();
        for (name, value) in iter {
            row.set(name, value);
        }
        row
    }
}

/// Why a [`Row`] does not fit a model's inputs; `row` is the row's 0-based index
/// in the slice given to `predict` (0 for a single row).
#[derive(Clone, Debug, Error, PartialEq)]
pub enum RowError {
    /// The row has a column the model does not take.
    #[error("rows[{row}]: unknown column `{column}` (the model's input columns are: {})", inputs.join(", "))]
    UnknownColumn {
        /// The row's index.
        row: usize,
        /// The unknown column.
        column: String,
        /// The model's input columns.
        inputs: Vec<String>,
    },
    /// The row lacks an input column (use [`Value::Missing`] for a missing value).
    #[error("rows[{row}]: missing input column `{column}`")]
    MissingColumn {
        /// The row's index.
        row: usize,
        /// The absent column.
        column: String,
    },
    /// A number for a numeric column is infinite or outside the `f32` range
    /// (see [`crate::rows::fits_f32`]).
    #[error(
        "rows[{row}]: column `{column}` holds {value}, which is not a finite number in 32-bit floats \
         (models compute in f32: |x| must be at most 3.4028235e38)"
    )]
    OutOfRange {
        /// The row's index.
        row: usize,
        /// The column.
        column: String,
        /// The value given.
        value: f64,
    },
    /// A value's type does not fit its column (text for a numeric column).
    #[error("rows[{row}]: column `{column}` expects {expected}, got {found}")]
    WrongType {
        /// The row's index.
        row: usize,
        /// The column.
        column: String,
        /// The kind of value the column takes.
        expected: String,
        /// The kind of value given.
        found: String,
    },
}

/// Categorical lists longer than this get a hash index; shorter ones are scanned.
const LINEAR_LEVELS: usize = 16;

/// How one input slot turns a [`Value`] into its `f32`.
#[derive(Debug)]
enum SlotCoder {
    /// Numbers as they are.
    Numeric,
    /// ISO-8601 text as hours since the epoch ([`crate::dates::parse`]).
    Date,
    /// Levels by string (`index` only for long lists) and by numeric value.
    Categorical {
        levels: Vec<String>,
        index: Option<HashMap<String, f32>>,
        by_value: HashMap<u64, f32>,
    },
}

/// What a date slot takes, in words.
const DATE_TEXT: &str = "an ISO-8601 date text (YYYY-MM-DD, optionally THH:MM[:SS] and Z or ±HH:MM)";

/// Encodes [`Row`]s against a model's input slots; built once per model.
#[derive(Debug)]
pub(crate) struct RowEncoder {
    names: Vec<String>,
    slots: HashMap<String, usize>,
    coders: Vec<SlotCoder>,
}

impl RowEncoder {
    /// The encoder for `slots` (the model's inputs, in row-ABI order).
    pub(crate) fn new(slots: &[InputSlot]) -> RowEncoder {
        let names: Vec<String> = slots.iter().map(|s| s.name.clone()).collect();
        let mut index = HashMap::with_capacity(slots.len());
        for (i, name) in names.iter().enumerate().rev() {
            index.insert(name.clone(), i);
        }
        let coders = slots
            .iter()
            .map(|slot| match &slot.kind {
                SlotKind::Numeric => SlotCoder::Numeric,
                SlotKind::Date => SlotCoder::Date,
                SlotKind::Categorical { levels } => {
                    let mut by_value = HashMap::new();
                    for (i, level) in levels.iter().enumerate() {
                        if let Ok(v) = level.trim().parse::<f64>() {
                            by_value.entry(value_key(v)).or_insert(i as f32);
                        }
                    }
                    let index = (levels.len() > LINEAR_LEVELS).then(|| {
                        let mut map = HashMap::with_capacity(levels.len());
                        for (i, level) in levels.iter().enumerate().rev() {
                            map.insert(level.clone(), i as f32);
                        }
                        map
                    });
                    SlotCoder::Categorical {
                        levels: levels.clone(),
                        index,
                        by_value,
                    }
                }
            })
            .collect();
        RowEncoder {
            names,
            slots: index,
            coders,
        }
    }

    /// Writes `row` (the `index`-th of its batch) into `out`, one value per slot.
    pub(crate) fn encode(&self, row: &Row, index: usize, out: &mut [f32]) -> Result<(), RowError> {
        debug_assert_eq!(out.len(), self.names.len());
        let mut filled = 0usize;
        for (position, (name, value)) in row.fields.iter().enumerate() {
            // Rows built in input order match positionally, without hashing.
            let slot = match self.names.get(position) {
                Some(expected) if expected == name => position,
                _ => match self.slots.get(name.as_str()) {
                    Some(&slot) => slot,
                    None => {
                        return Err(RowError::UnknownColumn {
                            row: index,
                            column: name.clone(),
                            inputs: self.names.clone(),
                        })
                    }
                },
            };
            out[slot] = self.value(slot, value, index)?;
            filled += 1;
        }
        // Names in a row are distinct and each maps to one slot, so `filled`
        // slots are covered; fewer than all means some input is absent.
        if filled < self.names.len() {
            if let Some(absent) = self.names.iter().find(|n| row.get(n).is_none()) {
                return Err(RowError::MissingColumn {
                    row: index,
                    column: absent.clone(),
                });
            }
        }
        Ok(())
    }

    /// The row-ABI value of `value` in slot `slot`.
    fn value(&self, slot: usize, value: &Value, row: usize) -> Result<f32, RowError> {
        match (&self.coders[slot], value) {
            (_, Value::Missing) => Ok(f32::NAN),
            (SlotCoder::Numeric, Value::Number(v)) if v.is_nan() || fits_f32(*v) => Ok(*v as f32),
            (SlotCoder::Numeric, Value::Number(v)) => Err(RowError::OutOfRange {
                row,
                column: self.names[slot].clone(),
                value: *v,
            }),
            (SlotCoder::Numeric, Value::Text(_)) => Err(RowError::WrongType {
                row,
                column: self.names[slot].clone(),
                expected: "a number".to_string(),
                found: value.describe(),
            }),
            (SlotCoder::Date, Value::Text(text)) => {
                crate::dates::parse(text)
                    .map(|h| h as f32)
                    .ok_or_else(|| RowError::WrongType {
                        row,
                        column: self.names[slot].clone(),
                        expected: DATE_TEXT.to_string(),
                        found: format!("`{text}`"),
                    })
            }
            (SlotCoder::Date, Value::Number(_)) => Err(RowError::WrongType {
                row,
                column: self.names[slot].clone(),
                expected: DATE_TEXT.to_string(),
                found: value.describe(),
            }),
            (SlotCoder::Categorical { levels, index, .. }, Value::Text(text)) => Ok(match index {
                Some(map) => map.get(text.as_str()).copied().unwrap_or(UNSEEN),
                None => levels.iter().position(|l| l == text).map_or(UNSEEN, |i| i as f32),
            }),
            (SlotCoder::Categorical { by_value, .. }, Value::Number(v)) => Ok(if v.is_nan() {
                f32::NAN
            } else {
                by_value.get(&value_key(*v)).copied().unwrap_or(UNSEEN)
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots() -> Vec<InputSlot> {
        vec![
            InputSlot {
                name: "x".into(),
                kind: SlotKind::Numeric,
            },
            InputSlot {
                name: "color".into(),
                kind: SlotKind::Categorical {
                    levels: vec!["blue".into(), "red".into(), "2".into()],
                },
            },
        ]
    }

    fn encode(row: &Row) -> Result<Vec<f32>, RowError> {
        let mut out = vec![0.0; 2];
        RowEncoder::new(&slots()).encode(row, 7, &mut out)?;
        Ok(out)
    }

    #[test]
    fn rows_encode_in_any_order() {
        let in_order = Row::new().num("x", 1.5).cat("color", "red");
        let reversed = Row::new().cat("color", "red").num("x", 1.5);
        assert_eq!(encode(&in_order).unwrap(), vec![1.5, 1.0]);
        assert_eq!(encode(&reversed).unwrap(), vec![1.5, 1.0]);
    }

    #[test]
    fn missing_unseen_and_numeric_levels_follow_the_frame_rules() {
        let row = Row::new().missing("x").cat("color", "green");
        let out = encode(&row).unwrap();
        assert!(out[0].is_nan());
        assert_eq!(out[1], UNSEEN);
        // A number for a categorical column matches the level that parses as it.
        assert_eq!(
            encode(&Row::new().num("x", f64::NAN).num("color", 2.0)).unwrap()[1],
            2.0
        );
        assert_eq!(
            encode(&Row::new().num("x", 0.0).num("color", 3.0)).unwrap()[1],
            UNSEEN
        );
        assert!(encode(&Row::new().num("x", 0.0).with("color", None::<&str>)).unwrap()[1].is_nan());
    }

    #[test]
    fn errors_name_the_row_and_the_column() {
        let unknown = encode(&Row::new().num("x", 1.0).cat("color", "red").num("size", 3.0)).unwrap_err();
        assert!(matches!(&unknown, RowError::UnknownColumn { row: 7, column, .. } if column == "size"));
        assert_eq!(
            unknown.to_string(),
            "rows[7]: unknown column `size` (the model's input columns are: x, color)"
        );
        let missing = encode(&Row::new().cat("color", "red")).unwrap_err();
        assert_eq!(
            missing,
            RowError::MissingColumn {
                row: 7,
                column: "x".into()
            }
        );
        let wrong = encode(&Row::new().cat("x", "tall").cat("color", "red")).unwrap_err();
        assert_eq!(
            wrong.to_string(),
            "rows[7]: column `x` expects a number, got the text \"tall\""
        );
    }

    #[test]
    fn numbers_outside_f32_are_refused_naming_row_and_column() {
        for v in [1e39, -1e39, f64::INFINITY, f64::NEG_INFINITY] {
            let err = encode(&Row::new().num("x", v).cat("color", "red")).unwrap_err();
            assert_eq!(
                err,
                RowError::OutOfRange {
                    row: 7,
                    column: "x".into(),
                    value: v
                }
            );
            assert!(err.to_string().starts_with("rows[7]: column `x` holds "), "{err}");
        }
        // The largest f32 and NaN (missing) are fine.
        let out = encode(&Row::new().num("x", f64::from(f32::MAX)).cat("color", "red")).unwrap();
        assert_eq!(out[0], f32::MAX);
        assert!(encode(&Row::new().num("x", f64::NAN).cat("color", "red")).unwrap()[0].is_nan());
    }

    #[test]
    fn setting_a_column_twice_keeps_the_last_value() {
        let row = Row::new().num("x", 1.0).num("x", 2.0).cat("color", "blue");
        assert_eq!(row.len(), 2);
        assert_eq!(encode(&row).unwrap(), vec![2.0, 0.0]);
        let pairs: Row = [("color", Value::from("red")), ("x", Value::from(4))]
            .into_iter()
            .collect();
        assert_eq!(encode(&pairs).unwrap(), vec![4.0, 1.0]);
    }

    #[test]
    fn long_level_lists_use_the_index_and_agree_with_the_scan() {
        let levels: Vec<String> = (0..100).map(|i| format!("l{i}")).collect();
        let slots = vec![InputSlot {
            name: "c".into(),
            kind: SlotKind::Categorical { levels },
        }];
        let encoder = RowEncoder::new(&slots);
        let mut out = [0.0f32];
        for (level, want) in [("l0", 0.0), ("l57", 57.0), ("l99", 99.0), ("nope", UNSEEN)] {
            encoder.encode(&Row::new().cat("c", level), 0, &mut out).unwrap();
            assert_eq!(out[0], want, "{level}");
        }
    }
}
