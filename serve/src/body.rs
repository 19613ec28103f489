//! The JSON envelope of `POST /predict` bodies, decoded straight from the bytes:
//! keys and values borrow from the body where they have no escapes, and any JSON
//! value is accepted where a column value goes (so a wrong type is reported
//! against its column, not as malformed JSON).

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// The parsed envelope.
pub(crate) enum Body<'a> {
    Rows(Vec<Object<'a>>),
    Columns(Vec<(Key<'a>, Values<'a>)>),
}

/// A string borrowed from the body where it has no escapes.
#[derive(Debug)]
pub(crate) struct Key<'a>(pub(crate) Cow<'a, str>);

impl fmt::Display for Key<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for Key<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// One JSON value where a column value is expected.
#[derive(Debug)]
pub(crate) enum Cell<'a> {
    Null,
    Number(f64),
    Text(Cow<'a, str>),
    /// Any other JSON value, described ("a boolean", "an array", "an object").
    Other(&'static str),
}

/// A row: the object's entries in body order.
pub(crate) struct Object<'a>(pub(crate) Vec<(Key<'a>, Cell<'a>)>);

/// The values of one column in the columnar form.
pub(crate) enum Values<'a> {
    Array(Vec<Cell<'a>>),
    /// Not an array: what it was.
    Not(&'static str),
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Consumes the rest of a sequence.
fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Consumes the rest of a map.
fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

impl<'de> Deserialize<'de> for Cell<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Cell<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, a string or null")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Cell<'de>, E> {
                Ok(Cell::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Cell<'de>, E> {
                Ok(Cell::Null)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Cell<'de>, E> {
                Ok(Cell::Other("a boolean"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cell<'de>, E> {
                Ok(Cell::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cell<'de>, E> {
                Ok(Cell::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cell<'de>, E> {
                Ok(Cell::Number(v))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Cell<'de>, E> {
                Ok(Cell::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Cell<'de>, E> {
                Ok(Cell::Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Cell<'de>, E> {
                Ok(Cell::Text(Cow::Owned(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Cell<'de>, A::Error> {
                skip_seq(seq)?;
                Ok(Cell::Other("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Cell<'de>, A::Error> {
                skip_map(map)?;
                Ok(Cell::Other("an object"))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Object<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Object<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a row object ({\"column\": value, ...})")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object<'de>, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(entry) = map.next_entry::<Key<'de>, Cell<'de>>()? {
                    entries.push(entry);
                }
                Ok(Object(entries))
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for Values<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Values<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Values<'de>, A::Error> {
                let mut cells = Vec::with_capacity(seq.size_hint().unwrap_or(16));
                while let Some(cell) = seq.next_element::<Cell<'de>>()? {
                    cells.push(cell);
                }
                Ok(Values::Array(cells))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Values<'de>, E> {
                Ok(Values::Not("null"))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Values<'de>, E> {
                Ok(Values::Not("a boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Values<'de>, E> {
                Ok(Values::Not("a number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Values<'de>, E> {
                Ok(Values::Not("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Values<'de>, E> {
                Ok(Values::Not("a number"))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Values<'de>, E> {
                Ok(Values::Not("a string"))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Values<'de>, A::Error> {
                skip_map(map)?;
                Ok(Values::Not("an object"))
            }
        }
        d.deserialize_any(V)
    }
}

/// `{"rows": [...]}`'s list.
struct Rows<'a>(Vec<Object<'a>>);

impl<'de> Deserialize<'de> for Rows<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Rows<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of row objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Rows<'de>, A::Error> {
                let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(1));
                while let Some(row) = seq.next_element::<Object<'de>>()? {
                    rows.push(row);
                }
                Ok(Rows(rows))
            }
        }
        d.deserialize_seq(V)
    }
}

/// `{"columns": {...}}`'s object.
struct Columns<'a>(Vec<(Key<'a>, Values<'a>)>);

impl<'de> Deserialize<'de> for Columns<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Columns<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of column arrays ({\"column\": [values], ...})")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Columns<'de>, A::Error> {
                let mut columns = Vec::new();
                while let Some(entry) = map.next_entry::<Key<'de>, Values<'de>>()? {
                    columns.push(entry);
                }
                Ok(Columns(columns))
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for Body<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Body<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object {\"rows\": [...]} or {\"columns\": {...}}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Body<'de>, A::Error> {
                let (mut rows, mut columns) = (None, None);
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    match &*key {
                        "rows" if rows.is_none() => rows = Some(map.next_value::<Rows<'de>>()?.0),
                        "columns" if columns.is_none() => columns = Some(map.next_value::<Columns<'de>>()?.0),
                        "rows" | "columns" => {
                            return Err(de::Error::custom(format!("`{}` appears twice", &*key)))
                        }
                        other => return Err(de::Error::unknown_field(other, &["rows", "columns"])),
                    }
                }
                match (rows, columns) {
                    (Some(rows), None) => Ok(Body::Rows(rows)),
                    (None, Some(columns)) => Ok(Body::Columns(columns)),
                    (Some(_), Some(_)) => Err(de::Error::custom("give either `rows` or `columns`, not both")),
                    (None, None) => Err(de::Error::custom(
                        "the body needs `rows` (a list of row objects) or `columns` (an object of column arrays)",
                    )),
                }
            }
        }
        d.deserialize_map(V)
    }
}
