//! `POST /feedback` bodies: the true labels of predictions served earlier,
//! `{"id": ..., "label": ...}`, a JSON array of such objects, or
//! `{"feedback": [...]}`. An id is a string or a number (matched to the
//! `id` a `/predict` row carried, numbers in their shortest form); a label is
//! a class (a string, or a number matched by its text) for a classifier, a
//! number for a regressor. A malformed item refuses the whole body, naming
//! the item, so a batch is joined entirely or not at all.

use crate::quality::Label;
use crate::request::{number_id, RequestError};
use serde_json::Value;

/// Most labels one body may carry.
pub const MAX_LABELS: usize = 100_000;

/// Parses `body` for a classifier (`classifier`) or a regressor.
pub fn parse(body: &[u8], classifier: bool) -> Result<Vec<(String, Label)>, RequestError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| RequestError {
        status: 400,
        message: format!("malformed JSON: {e}"),
        column: None,
    })?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut map) if map.contains_key("feedback") && !map.contains_key("id") => {
            match map.remove("feedback") {
                Some(Value::Array(items)) => items,
                _ => {
                    return Err(refused(
                        "`feedback` must be an array of {\"id\": ..., \"label\": ...}",
                    ))
                }
            }
        }
        object @ Value::Object(_) => vec![object],
        _ => {
            return Err(refused(
                "expected {\"id\": ..., \"label\": ...}, an array of them, or {\"feedback\": [...]}",
            ))
        }
    };
    if items.len() > MAX_LABELS {
        return Err(refused(&format!(
            "{} labels in one body; send at most {MAX_LABELS} at a time",
            items.len()
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| one(item, classifier).map_err(|m| refused(&format!("feedback[{i}]: {m}"))))
        .collect()
}

/// One `{"id": ..., "label": ...}`.
fn one(item: &Value, classifier: bool) -> Result<(String, Label), String> {
    let Value::Object(map) = item else {
        return Err(format!(
            "expected an object with `id` and `label`, got {}",
            kind(item)
        ));
    };
    if let Some(key) = map.keys().find(|k| *k != "id" && *k != "label") {
        return Err(format!("unknown key `{key}` (an item holds `id` and `label`)"));
    }
    let id = match map.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => number_id(n.as_f64().unwrap_or(f64::NAN)),
        Some(other) => return Err(format!("`id` must be a string or a number, got {}", kind(other))),
        None => return Err("missing `id`".to_string()),
    };
    let label = match (map.get("label"), classifier) {
        (Some(Value::String(s)), true) => Label::Class(s.clone()),
        (Some(Value::Number(n)), true) => Label::Class(number_id(n.as_f64().unwrap_or(f64::NAN))),
        (Some(Value::Number(n)), false) => match n.as_f64() {
            Some(v) if v.is_finite() => Label::Value(v),
            _ => return Err(format!("`label` {n} is not a finite number")),
        },
        (Some(other), true) => {
            return Err(format!("`label` must be a class (a string), got {}", kind(other)))
        }
        (Some(other), false) => {
            return Err(format!(
                "`label` must be a number (the model is a regressor), got {}",
                kind(other)
            ))
        }
        (None, _) => return Err("missing `label`".to_string()),
    };
    Ok((id, label))
}

fn refused(message: &str) -> RequestError {
    RequestError {
        status: 422,
        message: message.to_string(),
        column: None,
    }
}

/// A JSON value's kind, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_item_a_list_or_a_feedback_key() {
        let one = parse(br#"{"id": 7, "label": "Adelie"}"#, true).unwrap();
        assert_eq!(one, vec![("7".to_string(), Label::Class("Adelie".into()))]);
        let list = parse(br#"[{"id": "a", "label": 1}, {"id": 2.5, "label": 0}]"#, true).unwrap();
        assert_eq!(list[0], ("a".to_string(), Label::Class("1".into())));
        assert_eq!(list[1], ("2.5".to_string(), Label::Class("0".into())));
        let keyed = parse(br#"{"feedback": [{"id": "x", "label": 3.5}]}"#, false).unwrap();
        assert_eq!(keyed, vec![("x".to_string(), Label::Value(3.5))]);
    }

    #[test]
    fn bad_items_name_themselves() {
        let e = parse(br#"[{"id": 1, "label": "a"}, {"label": "b"}]"#, true).unwrap_err();
        assert_eq!((e.status, e.message.as_str()), (422, "feedback[1]: missing `id`"));
        let e = parse(br#"{"id": 1, "label": "a"}"#, false).unwrap_err();
        assert!(e
            .message
            .contains("must be a number (the model is a regressor), got a string"));
        let e = parse(br#"{"id": [1], "label": 1}"#, false).unwrap_err();
        assert!(e
            .message
            .contains("`id` must be a string or a number, got an array"));
        let e = parse(br#"{"id": 1, "label": 1, "lable": 2}"#, false).unwrap_err();
        assert!(e.message.contains("unknown key `lable`"));
        assert_eq!(parse(b"{", true).unwrap_err().status, 400);
        assert_eq!(parse(b"3", true).unwrap_err().status, 422);
    }
}
