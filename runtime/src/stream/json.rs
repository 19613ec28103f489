//! One JSON-lines row: an object read key by key, refusing a key given twice
//! (serde_json would keep the last), with each value kept as its raw text so that
//! a number is checked as written (`1e400` is refused as out of range, naming the
//! column and the text, not as a bare "number out of range").

use super::{At, Builder};
use crate::error::DataError;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fmt;

/// The longest excerpt of a rejected JSON value quoted in an error message.
const QUOTE_CHARS: usize = 40;

/// What a line holds.
pub(super) enum Line<'a> {
    /// An object: each key with its value's raw text.
    Object(HashMap<String, &'a RawValue>),
    /// An object that names `key` more than once.
    Duplicate(String),
    /// Some other JSON value.
    NotObject,
}

/// Parses one line (already trimmed, not empty); the error is serde_json's for
/// text that is not JSON.
pub(super) fn parse_line(text: &str) -> Result<Line<'_>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let line = (&mut de).deserialize_any(LineVisitor)?;
    de.end()?;
    Ok(line)
}

struct LineVisitor;

impl<'de> Visitor<'de> for LineVisitor {
    type Value = Line<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Line<'de>, A::Error> {
        let mut fields: HashMap<String, &'de RawValue> = HashMap::new();
        let mut duplicate = None;
        while let Some(key) = map.next_key::<String>()? {
            if duplicate.is_some() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value: &'de RawValue = map.next_value()?;
            match fields.entry(key) {
                Entry::Occupied(taken) => duplicate = Some(taken.key().clone()),
                Entry::Vacant(free) => {
                    free.insert(value);
                }
            }
        }
        Ok(match duplicate {
            Some(key) => Line::Duplicate(key),
            None => Line::Object(fields),
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Line<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Line::NotObject)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Line<'de>, E> {
        Ok(Line::NotObject)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Line<'de>, E> {
        Ok(Line::NotObject)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Line<'de>, E> {
        Ok(Line::NotObject)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Line<'de>, E> {
        Ok(Line::NotObject)
    }

    fn visit_str<E>(self, _: &str) -> Result<Line<'de>, E> {
        Ok(Line::NotObject)
    }

    fn visit_unit<E>(self) -> Result<Line<'de>, E> {
        Ok(Line::NotObject)
    }
}

impl Builder {
    /// A JSON value by its raw text: `null` (missing), a number, a string (read
    /// as a CSV field is), or (categorical only) a boolean.
    pub(super) fn push_json(&mut self, raw: &RawValue, at: &At<'_>) -> Result<(), DataError> {
        let text = raw.get().trim();
        let categorical = matches!(self, Builder::Categorical { .. });
        match text.as_bytes().first() {
            _ if text == "null" => self.push_missing(),
            Some(b'"') => match serde_json::from_str::<String>(text) {
                Ok(s) => self.push_text(&s, at)?,
                Err(_) => return Err(at.unparseable(&quote(text), "a string")),
            },
            Some(b'-' | b'0'..=b'9') => match text.parse::<f64>() {
                Ok(v) => self.push_number(v, text, at)?,
                Err(_) => return Err(at.unparseable(&quote(text), "a number")),
            },
            _ if categorical && (text == "true" || text == "false") => self.push_level(text),
            _ if categorical => return Err(at.unparseable(&quote(text), "a string, a number or null")),
            _ => return Err(at.unparseable(&quote(text), "a number")),
        }
        Ok(())
    }
}

/// `text`, cut to [`QUOTE_CHARS`] characters with `...` when longer.
fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_string(),
    }
}
