//! One piece of a JSON-lines batch parsed on its own: its lines read with
//! [`super::super::json`]'s rules into column builders, stopping at the first
//! bad line.

use super::super::column::{At, Builder};
use super::super::json::{self, Line};
use crate::error::DataError;
use mlg_compiler::ir::InputSlot;

/// One piece's rows: every column, and each row's line and end offset.
pub(super) struct Piece {
    pub columns: Vec<Part>,
    /// The 1-based line of each row in the file.
    pub lines: Vec<u64>,
    /// Where each row's line ends (past its line break), from where reading started.
    pub ends: Vec<u64>,
    /// The error of the piece's first bad line; its rows stop before it.
    pub error: Option<DataError>,
    /// Keys of its rows that are no input column, in order of first
    /// appearance (at most [`MAX_EXTRA`]).
    pub extra: Vec<String>,
}

/// Most extra keys a piece (and a reader) lists.
pub(in crate::stream) const MAX_EXTRA: usize = 20;

/// One column of a piece, as its [`Builder`] left it.
pub(super) enum Part {
    Numeric {
        values: Vec<f64>,
        missing: Vec<bool>,
    },
    /// Codes below the schema's level count are its levels; code
    /// `levels + i` is `unseen[i]`, an unseen value in the piece.
    Categorical {
        codes: Vec<u32>,
        missing: Vec<bool>,
        unseen: Vec<String>,
    },
}

impl Part {
    /// The first `rows` rows `builder` holds (a row that failed halfway
    /// leaves some columns longer: its values are dropped).
    pub(super) fn of(builder: Builder, rows: usize) -> Part {
        match builder {
            Builder::Numeric {
                mut values,
                mut missing,
            } => {
                values.truncate(rows);
                missing.truncate(rows);
                Part::Numeric { values, missing }
            }
            Builder::Categorical {
                mut levels,
                known,
                mut codes,
                mut missing,
                ..
            } => {
                codes.truncate(rows);
                missing.truncate(rows);
                let unseen = levels.split_off(known.min(levels.len()));
                Part::Categorical {
                    codes,
                    missing,
                    unseen,
                }
            }
        }
    }
}

/// Parses the lines of `piece`, which follows `line` lines of the file and
/// starts `offset` bytes past where reading started, stopping at the first
/// bad line.
pub(super) fn parse(piece: &[u8], mut line: u64, offset: u64, file: &str, slots: &[InputSlot]) -> Piece {
    let mut builders: Vec<Builder> = slots.iter().map(Builder::new).collect();
    let (mut lines, mut ends) = (Vec::new(), Vec::new());
    let mut error = None;
    let mut extra = Vec::new();
    let mut at = 0;
    while at < piece.len() {
        let end = memchr::memchr(b'\n', &piece[at..]).map_or(piece.len(), |nl| at + nl + 1);
        line += 1;
        match row(&piece[at..end], line, file, slots, &mut builders, &mut extra) {
            Ok(false) => {}
            Ok(true) => {
                lines.push(line);
                ends.push(offset + end as u64);
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
        at = end;
    }
    let columns = builders.into_iter().map(|b| Part::of(b, lines.len())).collect();
    Piece {
        columns,
        lines,
        ends,
        error,
        extra,
    }
}

/// Reads one line (`line`th of the file, line break included) into the
/// builders: `Ok(false)` for a blank line, `Ok(true)` for a row; keys that
/// are no input column are added to `extra` (up to [`MAX_EXTRA`]). On an
/// error some builders may hold one value more than the others. (Tests read
/// line by line with it, the reference the batched reading must equal.)
pub(in crate::stream) fn row(
    raw: &[u8],
    line: u64,
    file: &str,
    slots: &[InputSlot],
    builders: &mut [Builder],
    extra: &mut Vec<String>,
) -> Result<bool, DataError> {
    let Ok(text) = std::str::from_utf8(raw) else {
        return Err(DataError::Utf8 {
            file: file.to_string(),
            line,
        });
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(false);
    }
    let malformed = |message: String| DataError::Malformed {
        file: file.to_string(),
        line,
        message,
    };
    let object = match json::parse_line(trimmed) {
        Ok(Line::Object(object)) => object,
        Ok(Line::Duplicate(key)) => {
            return Err(DataError::DuplicateKey {
                file: file.to_string(),
                line,
                key,
            })
        }
        Ok(Line::NotObject) => {
            return Err(malformed(
                "expected a JSON object such as {\"column\": value}".to_string(),
            ))
        }
        Err(e) => return Err(malformed(format!("invalid JSON: {e}"))),
    };
    for (builder, slot) in builders.iter_mut().zip(slots) {
        let Some(&value) = object.get(&slot.name) else {
            return Err(malformed(format!(
                "no value for input column `{}` (write null for a missing value)",
                slot.name
            )));
        };
        let at = At {
            file,
            line,
            column: &slot.name,
        };
        builder.push_json(value, &at)?;
    }
    // Every input column is a key, and keys are distinct: more keys than
    // inputs means extra ones.
    if object.len() > slots.len() && extra.len() < MAX_EXTRA {
        for key in object.keys() {
            if extra.len() < MAX_EXTRA && !slots.iter().any(|s| &s.name == key) && !extra.contains(key) {
                extra.push(key.clone());
            }
        }
    }
    Ok(true)
}
