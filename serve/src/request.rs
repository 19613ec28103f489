//! `POST /predict` bodies: JSON rows (`{"rows": [{"col": value}, ...]}`) or
//! columns (`{"columns": {"col": [value, ...]}}`), checked against the model's
//! input schema and turned into a [`Frame`] (for drift monitoring) and the packed
//! row-ABI `f32` rows the compiled function reads, in one pass.
//!
//! Numbers feed numeric columns, strings categorical ones (a string outside the
//! column's levels is the unseen code, as in [`mlg_runtime::rows`]), `null` is a
//! missing value. Anything else, and any column that a row leaves out, is a
//! [`RequestError`] naming the column. A column the model does not have is
//! ignored and listed in [`Batch::ignored`], or, when parsing is strict
//! (`--strict-columns`), a [`RequestError`] too.
//!
//! The key `id` (a string or a number per row) names the row for
//! `POST /feedback` and is echoed back ([`Batch::ids`]); it is never an
//! unknown column, and it is also fed to the model if the model has an `id`
//! input.

use crate::body::{Body, Cell, Key, Object, Values};
use mlg_compiler::ir::{InputSlot, SlotKind};
use mlg_runtime::rows::{fits_f32, UNSEEN};
use mlg_runtime::{Column, Frame};
use std::collections::HashMap;
use std::fmt;

/// Most ignored column names a batch lists.
const MAX_IGNORED: usize = 20;

/// The longest excerpt of a rejected string value quoted in an error message.
const QUOTE_CHARS: usize = 40;

/// A model's input schema with lookups by column name and by level.
#[derive(Debug)]
pub struct Schema {
    slots: Vec<InputSlot>,
    index: HashMap<String, usize>,
    /// Per slot, the code of each level (categorical slots only).
    levels: Vec<Option<HashMap<String, u32>>>,
}

impl Schema {
    /// The schema of these input slots (row-ABI order).
    pub fn new(slots: &[InputSlot]) -> Schema {
        let index = slots
            .iter()
            .enumerate()
            .rev()
            .map(|(i, s)| (s.name.clone(), i))
            .collect();
        let levels = slots
            .iter()
            .map(|s| match &s.kind {
                SlotKind::Numeric | SlotKind::Date => None,
                SlotKind::Categorical { levels } => Some(
                    levels
                        .iter()
                        .enumerate()
                        .rev()
                        .map(|(code, level)| (level.clone(), code as u32))
                        .collect(),
                ),
            })
            .collect();
        Schema {
            slots: slots.to_vec(),
            index,
            levels,
        }
    }

    /// The input slots.
    pub fn slots(&self) -> &[InputSlot] {
        &self.slots
    }

    /// The column names, for messages.
    fn names(&self) -> String {
        let names: Vec<&str> = self.slots.iter().map(|s| s.name.as_str()).collect();
        names.join(", ")
    }

    /// The slot of column `name`; for a column the model does not have, the
    /// error when `strict`, else `None` with the name added to `ignored`.
    fn slot(
        &self,
        name: &str,
        at: At<'_>,
        strict: bool,
        ignored: &mut Vec<String>,
    ) -> Result<Option<usize>, RequestError> {
        if let Some(&slot) = self.index.get(name) {
            return Ok(Some(slot));
        }
        if strict {
            return Err(RequestError::column(
                name,
                format!(
                    "{at}unknown column `{name}`; the model's columns are {} (the server \
                     runs with --strict-columns)",
                    self.names()
                ),
            ));
        }
        if ignored.len() < MAX_IGNORED && !ignored.iter().any(|i| i == name) {
            ignored.push(name.to_string());
        }
        Ok(None)
    }
}

/// A parsed `/predict` body.
#[derive(Debug)]
pub struct Batch {
    /// The rows as a frame: one column per input slot, in slot order.
    pub frame: Frame,
    /// Row-major row-ABI values, `n_rows * slots` of them.
    pub rows: Vec<f32>,
    /// Number of rows.
    pub n_rows: usize,
    /// Columns the body sent that the model does not read (ignored), in
    /// order of first appearance, at most 20.
    pub ignored: Vec<String>,
    /// Each row's `id`, as text (a number in its shortest form); empty when
    /// no row sent one.
    pub ids: Vec<Option<String>>,
}

/// Why a body was refused: HTTP status, message and, where one is to blame, the
/// column.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestError {
    /// 400 for a body that is not the JSON envelope, 422 for a column problem.
    pub status: u16,
    /// What is wrong, for the client.
    pub message: String,
    /// The column at fault, if any.
    pub column: Option<String>,
}

impl RequestError {
    /// A 422 about column `name`.
    fn column(name: &str, message: String) -> RequestError {
        RequestError {
            status: 422,
            message,
            column: Some(name.to_string()),
        }
    }

    /// A 400 for a body serde_json refused.
    fn json(error: &serde_json::Error) -> RequestError {
        let message = match error.classify() {
            serde_json::error::Category::Data => format!("invalid request body: {error}"),
            _ => format!("malformed JSON: {error}"),
        };
        RequestError {
            status: 400,
            message,
            column: None,
        }
    }
}

/// Parses `body` against `schema`; `strict` refuses a column the model does
/// not have instead of ignoring it.
pub fn parse(schema: &Schema, body: &[u8], strict: bool) -> Result<Batch, RequestError> {
    let mut ignored = Vec::new();
    let mut ids = Vec::new();
    let mut batch = match serde_json::from_slice::<Body<'_>>(body).map_err(|e| RequestError::json(&e))? {
        Body::Rows(rows) => from_rows(schema, &rows, strict, &mut ignored, &mut ids)?,
        Body::Columns(columns) => from_columns(schema, &columns, strict, &mut ignored, &mut ids)?,
    };
    batch.ignored = ignored;
    if ids.iter().any(Option::is_some) {
        ids.resize(batch.n_rows, None);
        batch.ids = ids;
    }
    Ok(batch)
}

/// Builds the batch of the row form.
fn from_rows(
    schema: &Schema,
    rows: &[Object<'_>],
    strict: bool,
    ignored: &mut Vec<String>,
    ids: &mut Vec<Option<String>>,
) -> Result<Batch, RequestError> {
    let width = schema.slots.len();
    let n_rows = rows.len();
    let mut builders = Builders::new(schema, n_rows);
    let mut seen = vec![false; width];
    for (r, row) in rows.iter().enumerate() {
        let at = At::Row(r);
        seen.iter_mut().for_each(|s| *s = false);
        for (name, cell) in &row.0 {
            if &**name == ID {
                if ids.len() <= r {
                    ids.resize(r + 1, None);
                }
                if std::mem::replace(&mut ids[r], id_of(cell, at)?).is_some() {
                    return Err(RequestError::column(ID, format!("{at}`id` appears twice")));
                }
                if !schema.index.contains_key(ID) {
                    continue;
                }
            }
            let Some(slot) = schema.slot(name, at, strict, ignored)? else {
                continue;
            };
            if std::mem::replace(&mut seen[slot], true) {
                return Err(RequestError::column(
                    name,
                    format!("{at}column `{name}` appears twice"),
                ));
            }
            builders.set(schema, slot, r, cell, at)?;
        }
        if let Some(slot) = seen.iter().position(|s| !s) {
            let name = &schema.slots[slot].name;
            return Err(RequestError::column(
                name,
                format!("{at}missing column `{name}` (send null for a missing value)"),
            ));
        }
    }
    Ok(builders.finish(schema))
}

/// Builds the batch of the columnar form.
fn from_columns(
    schema: &Schema,
    columns: &[(Key<'_>, Values<'_>)],
    strict: bool,
    ignored: &mut Vec<String>,
    ids: &mut Vec<Option<String>>,
) -> Result<Batch, RequestError> {
    let mut given: Vec<Option<&[Cell<'_>]>> = vec![None; schema.slots.len()];
    let mut first: Option<(&str, usize)> = None;
    let mut id_cells: Option<&[Cell<'_>]> = None;
    for (name, values) in columns {
        let slot = if &**name == ID && !schema.index.contains_key(ID) {
            None
        } else {
            match schema.slot(name, At::Body, strict, ignored)? {
                Some(slot) => Some(slot),
                None => continue,
            }
        };
        let cells = match values {
            Values::Array(cells) => cells,
            Values::Not(kind) => {
                return Err(RequestError::column(
                    name,
                    format!("column `{name}` must be an array of values, got {kind}"),
                ))
            }
        };
        if &**name == ID && id_cells.replace(cells).is_some() {
            return Err(RequestError::column(ID, "column `id` appears twice".to_string()));
        }
        match first {
            None => first = Some((name, cells.len())),
            Some((other, n)) if n != cells.len() => {
                return Err(RequestError::column(
                    name,
                    format!(
                        "column `{name}` has {} values but column `{other}` has {n}",
                        cells.len()
                    ),
                ))
            }
            Some(_) => {}
        }
        let Some(slot) = slot else {
            continue;
        };
        if given[slot].is_some() {
            return Err(RequestError::column(
                name,
                format!("column `{name}` appears twice"),
            ));
        }
        given[slot] = Some(cells);
    }
    for (r, cell) in id_cells.unwrap_or_default().iter().enumerate() {
        ids.push(id_of(cell, At::Cell(ID, r))?);
    }
    let absent: Vec<&str> = schema
        .slots
        .iter()
        .zip(&given)
        .filter(|(_, g)| g.is_none())
        .map(|(s, _)| s.name.as_str())
        .collect();
    if let Some(name) = absent.first() {
        let list: Vec<String> = absent.iter().map(|n| format!("`{n}`")).collect();
        return Err(RequestError::column(
            name,
            format!(
                "missing column{} {}",
                if absent.len() > 1 { "s" } else { "" },
                list.join(", ")
            ),
        ));
    }
    let n_rows = first.map_or(0, |(_, n)| n);
    let mut builders = Builders::new(schema, n_rows);
    for (slot, cells) in given.iter().enumerate() {
        let name = &schema.slots[slot].name;
        for (r, cell) in cells.unwrap_or_default().iter().enumerate() {
            builders.set(schema, slot, r, cell, At::Cell(name, r))?;
        }
    }
    Ok(builders.finish(schema))
}

/// One column being filled.
enum Builder {
    Numeric {
        values: Vec<f64>,
        missing: Vec<bool>,
    },
    Categorical {
        codes: Vec<u32>,
        /// The batch's own dictionary.
        levels: Dictionary,
        missing: Vec<bool>,
    },
}

/// The levels of one categorical column of a batch, in order of first
/// appearance: a linear search while there are few, a hash index beyond.
#[derive(Default)]
struct Dictionary {
    levels: Vec<String>,
    index: Option<HashMap<String, u32>>,
}

impl Dictionary {
    /// Levels searched linearly before the index is built.
    const LINEAR: usize = 16;

    /// The code of `text`, added if new.
    fn code(&mut self, text: &str) -> u32 {
        let found = match &self.index {
            Some(index) => index.get(text).copied(),
            None => self.levels.iter().position(|l| l == text).map(|c| c as u32),
        };
        if let Some(code) = found {
            return code;
        }
        let code = self.levels.len() as u32;
        self.levels.push(text.to_string());
        match &mut self.index {
            Some(index) => {
                index.insert(text.to_string(), code);
            }
            None if self.levels.len() >= Self::LINEAR => {
                let index = self.levels.iter().enumerate().map(|(i, l)| (l.clone(), i as u32));
                self.index = Some(index.collect());
            }
            None => {}
        }
        code
    }
}

/// The columns and row buffer of a batch being built.
struct Builders {
    columns: Vec<Builder>,
    rows: Vec<f32>,
    n_rows: usize,
}

impl Builders {
    fn new(schema: &Schema, n_rows: usize) -> Builders {
        let columns = schema
            .slots
            .iter()
            .map(|s| match s.kind {
                // A date's text is parsed into hours as it arrives.
                SlotKind::Numeric | SlotKind::Date => Builder::Numeric {
                    values: Vec::with_capacity(n_rows),
                    missing: Vec::with_capacity(n_rows),
                },
                SlotKind::Categorical { .. } => Builder::Categorical {
                    codes: Vec::with_capacity(n_rows),
                    levels: Dictionary::default(),
                    missing: Vec::with_capacity(n_rows),
                },
            })
            .collect();
        Builders {
            columns,
            rows: vec![f32::NAN; n_rows * schema.slots.len()],
            n_rows,
        }
    }

    /// Appends `cell` as row `row` of column `slot` (rows arrive in order per
    /// column); `at` prefixes error messages.
    fn set(
        &mut self,
        schema: &Schema,
        slot: usize,
        row: usize,
        cell: &Cell<'_>,
        at: At<'_>,
    ) -> Result<(), RequestError> {
        let name = &schema.slots[slot].name;
        let abi = &mut self.rows[row * schema.slots.len() + slot];
        let date = matches!(schema.slots[slot].kind, SlotKind::Date);
        match (&mut self.columns[slot], cell) {
            (Builder::Numeric { values, missing }, Cell::Text(text)) if date => {
                let Some(hours) = mlg_runtime::dates::parse(text) else {
                    return Err(RequestError::column(
                        name,
                        format!(
                            "{at}column `{name}` is a date: expected ISO-8601 text (YYYY-MM-DD, optionally \
                             THH:MM[:SS] and Z or ±HH:MM, years {}-{}) or null, got the string {}",
                            mlg_runtime::dates::FIRST_YEAR,
                            mlg_runtime::dates::LAST_YEAR,
                            quote(text)
                        ),
                    ));
                };
                values.push(hours);
                missing.push(false);
                *abi = hours as f32;
            }
            (Builder::Numeric { .. }, Cell::Number(v)) if date => {
                return Err(RequestError::column(
                    name,
                    format!(
                        "{at}column `{name}` is a date: expected ISO-8601 text or null, got the number {v}"
                    ),
                ))
            }
            (Builder::Numeric { values, missing }, Cell::Null) => {
                values.push(f64::NAN);
                missing.push(true);
            }
            (Builder::Numeric { .. }, Cell::Number(v)) if !fits_f32(*v) => {
                return Err(RequestError::column(
                    name,
                    format!(
                        "{at}column `{name}`: {v:e} is outside the range of the model's 32-bit numbers \
                         (at most 3.4028235e38 in magnitude)"
                    ),
                ))
            }
            (Builder::Numeric { values, missing }, Cell::Number(v)) => {
                values.push(*v);
                missing.push(false);
                *abi = *v as f32;
            }
            (Builder::Categorical { codes, missing, .. }, Cell::Null) => {
                codes.push(0);
                missing.push(true);
            }
            (
                Builder::Categorical {
                    codes,
                    levels,
                    missing,
                },
                Cell::Text(text),
            ) => {
                codes.push(levels.code(text));
                missing.push(false);
                let known = schema.levels[slot].as_ref().and_then(|l| l.get(text.as_ref()));
                *abi = known.map_or(UNSEEN, |&c| c as f32);
            }
            (Builder::Numeric { .. }, Cell::Text(text)) => {
                return Err(RequestError::column(
                    name,
                    format!(
                        "{at}column `{name}` is numeric: expected a number or null, got the string {}",
                        quote(text)
                    ),
                ))
            }
            (Builder::Categorical { .. }, Cell::Number(v)) => {
                return Err(RequestError::column(
                    name,
                    format!(
                        "{at}column `{name}` is categorical: expected a string (one of its levels) or null, \
                         got the number {v}"
                    ),
                ))
            }
            (builder, Cell::Other(kind)) => {
                let expected = match builder {
                    Builder::Numeric { .. } => "numeric: expected a number or null",
                    Builder::Categorical { .. } => "categorical: expected a string or null",
                };
                return Err(RequestError::column(
                    name,
                    format!("{at}column `{name}` is {expected}, got {kind}"),
                ));
            }
        }
        Ok(())
    }

    fn finish(self, schema: &Schema) -> Batch {
        let columns = self
            .columns
            .into_iter()
            .zip(&schema.slots)
            .map(|(builder, slot)| match builder {
                Builder::Numeric { values, missing } => Column {
                    name: slot.name.clone(),
                    data: mlg_runtime::ColumnData::Numeric(values),
                    missing,
                },
                Builder::Categorical {
                    codes,
                    levels,
                    missing,
                } => Column::categorical(slot.name.clone(), codes, levels.levels, missing),
            })
            .collect();
        Batch {
            frame: Frame::new(columns, self.n_rows),
            rows: self.rows,
            n_rows: self.n_rows,
            ignored: Vec::new(),
            ids: Vec::new(),
        }
    }
}

/// The key that names a row.
const ID: &str = "id";

/// A row's `id`: a string as it is, a number in its shortest form (`7`,
/// `0.5`), `null` for none; anything else is refused.
fn id_of(cell: &Cell<'_>, at: At<'_>) -> Result<Option<String>, RequestError> {
    match cell {
        Cell::Null => Ok(None),
        Cell::Text(text) => Ok(Some(text.to_string())),
        Cell::Number(v) => Ok(Some(number_id(*v))),
        Cell::Other(kind) => Err(RequestError::column(
            ID,
            format!("{at}`id` must be a string or a number, got {kind}"),
        )),
    }
}

/// The text of a numeric id: whole numbers without a fraction.
pub fn number_id(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Where in the body a value sits, for error messages (formatted only on error).
#[derive(Clone, Copy)]
enum At<'a> {
    /// The body as a whole.
    Body,
    /// Row `r` of the row form.
    Row(usize),
    /// Entry `r` of column `name` in the columnar form.
    Cell(&'a str, usize),
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Body => Ok(()),
            At::Row(r) => write!(f, "rows[{r}]: "),
            At::Cell(name, r) => write!(f, "columns.{name}[{r}]: "),
        }
    }
}

/// `text` in quotes, cut to [`QUOTE_CHARS`] characters.
fn quote(text: &str) -> String {
    let mut cut: String = text.chars().take(QUOTE_CHARS).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    format!("{cut:?}")
}

#[cfg(test)]
mod tests;
