//! One column of a chunk under construction: numbers for numeric inputs, codes
//! for categorical ones (the schema's levels first, then the chunk's unseen
//! values), each value checked where it is read ([`At`]).

use crate::csv::is_missing_token;
use crate::error::DataError;
use crate::frame::Column;
use crate::rows::{fits_f32, value_key};
use mlg_compiler::ir::{InputSlot, SlotKind};
use std::collections::HashMap;

/// Builds one column of a chunk.
pub(super) enum Builder {
    Numeric {
        values: Vec<f64>,
        missing: Vec<bool>,
    },
    Categorical {
        /// The schema's levels by text.
        index: HashMap<String, u32>,
        /// The schema's levels that parse as numbers, by value bits.
        numbers: HashMap<u64, u32>,
        /// The schema's levels, then this chunk's unseen values.
        levels: Vec<String>,
        known: usize,
        unseen: HashMap<String, u32>,
        codes: Vec<u32>,
        missing: Vec<bool>,
    },
}

impl Builder {
    pub(super) fn new(slot: &InputSlot) -> Builder {
        match &slot.kind {
            SlotKind::Numeric => Builder::Numeric {
                values: Vec::new(),
                missing: Vec::new(),
            },
            SlotKind::Date => Builder::new(&InputSlot {
                name: slot.name.clone(),
                kind: SlotKind::Categorical { levels: Vec::new() },
            }),
            SlotKind::Categorical { levels } => {
                let mut index = HashMap::new();
                let mut numbers = HashMap::new();
                for (i, level) in levels.iter().enumerate() {
                    index.entry(level.clone()).or_insert(i as u32);
                    if let Ok(v) = level.trim().parse::<f64>() {
                        numbers.entry(value_key(v)).or_insert(i as u32);
                    }
                }
                Builder::Categorical {
                    index,
                    numbers,
                    levels: levels.clone(),
                    known: levels.len(),
                    unseen: HashMap::new(),
                    codes: Vec::new(),
                    missing: Vec::new(),
                }
            }
        }
    }

    pub(super) fn push_missing(&mut self) {
        match self {
            Builder::Numeric { values, missing } => {
                values.push(f64::NAN);
                missing.push(true);
            }
            Builder::Categorical { codes, missing, .. } => {
                codes.push(0);
                missing.push(true);
            }
        }
    }

    /// A number (written `text` in the input): a value of a numeric input,
    /// which must be finite in `f32` ([`DataError::OutOfRange`] otherwise), or
    /// a categorical one matched against the levels that parse as numbers.
    pub(super) fn push_number(&mut self, v: f64, text: &str, at: &At<'_>) -> Result<(), DataError> {
        match self {
            Builder::Numeric { values, missing } => {
                if !v.is_nan() && !fits_f32(v) {
                    return Err(at.out_of_range(text));
                }
                values.push(v);
                missing.push(v.is_nan());
            }
            Builder::Categorical { numbers, .. } => match numbers.get(&value_key(v)).copied() {
                Some(code) => self.push_code(code),
                None => self.push_level(&format!("{v}")),
            },
        }
        Ok(())
    }

    fn push_code(&mut self, code: u32) {
        if let Builder::Categorical { codes, missing, .. } = self {
            codes.push(code);
            missing.push(false);
        }
    }

    /// A categorical value by its text (unseen text gets a code past the schema's).
    pub(super) fn push_level(&mut self, text: &str) {
        let Builder::Categorical {
            index,
            levels,
            unseen,
            codes,
            missing,
            ..
        } = self
        else {
            return;
        };
        let code = match index.get(text).or_else(|| unseen.get(text)) {
            Some(&code) => code,
            None => {
                let code = levels.len() as u32;
                levels.push(text.to_string());
                unseen.insert(text.to_string(), code);
                code
            }
        };
        codes.push(code);
        missing.push(false);
    }

    /// True for a numeric input.
    pub(super) fn is_numeric(&self) -> bool {
        matches!(self, Builder::Numeric { .. })
    }

    /// A number already checked finite in `f32`, of a numeric input
    /// (nothing for a categorical one, which [`Builder::is_numeric`] tells).
    pub(super) fn push_value(&mut self, v: f64) {
        if let Builder::Numeric { values, missing } = self {
            values.push(v);
            missing.push(false);
        }
    }

    /// A field of a numeric input that is a plain decimal within `f32`,
    /// pushed at once; `false` (nothing pushed) for any other field, which
    /// goes through [`Builder::push_text`].
    pub(super) fn push_plain(&mut self, raw: &[u8]) -> bool {
        let Builder::Numeric { values, missing } = self else {
            return false;
        };
        match crate::csv::number::plain_decimal(raw).filter(|v| fits_f32(*v)) {
            Some(v) => {
                values.push(v);
                missing.push(false);
                true
            }
            None => false,
        }
    }

    /// A text field: missing token, number (numeric inputs) or level.
    pub(super) fn push_text(&mut self, field: &str, at: &At<'_>) -> Result<(), DataError> {
        let field = field.trim();
        if is_missing_token(field) {
            self.push_missing();
            return Ok(());
        }
        match self {
            Builder::Numeric { .. } => match field.parse::<f64>() {
                Ok(v) => self.push_number(v, field, at)?,
                Err(_) => return Err(at.unparseable(field, "a number")),
            },
            Builder::Categorical { .. } => self.push_level(field),
        }
        Ok(())
    }

    /// The column built so far, named `name`; the builder starts over.
    /// Room for `rows` more values, so a chunk's columns grow without
    /// copying themselves over.
    pub(super) fn reserve(&mut self, rows: usize) {
        match self {
            Builder::Numeric { values, missing } => {
                values.reserve(rows);
                missing.reserve(rows);
            }
            Builder::Categorical { codes, missing, .. } => {
                codes.reserve(rows);
                missing.reserve(rows);
            }
        }
    }

    pub(super) fn take(&mut self, name: &str) -> Column {
        match self {
            Builder::Numeric { values, missing } => Column {
                name: name.to_string(),
                data: crate::frame::ColumnData::Numeric(std::mem::take(values)),
                missing: std::mem::take(missing),
            },
            Builder::Categorical {
                levels,
                known,
                unseen,
                codes,
                missing,
                ..
            } => {
                let all = levels.clone();
                levels.truncate(*known);
                unseen.clear();
                Column::categorical(name, std::mem::take(codes), all, std::mem::take(missing))
            }
        }
    }
}

/// Where a value was read, for error messages.
pub(super) struct At<'a> {
    pub(super) file: &'a str,
    pub(super) line: u64,
    pub(super) column: &'a str,
}

impl At<'_> {
    pub(super) fn out_of_range(&self, value: &str) -> DataError {
        DataError::OutOfRange {
            file: self.file.to_string(),
            line: self.line,
            column: self.column.to_string(),
            value: value.to_string(),
        }
    }

    pub(super) fn unparseable(&self, value: &str, expected: &str) -> DataError {
        DataError::Unparseable {
            file: self.file.to_string(),
            line: self.line,
            column: self.column.to_string(),
            value: value.to_string(),
            expected: expected.to_string(),
        }
    }
}
