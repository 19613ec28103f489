//! The JSON-lines protocol: one request object per line in, one response
//! object per line out.
//!
//! Request: `{"rows": [{"column": value, ...}, ...]}`, optionally with an `"id"`
//! (any JSON value) that the response repeats. A value is a number, a string (a
//! category) or `null` (missing).
//!
//! Response: `{"predictions": [...]}` — class labels for a classifier, numbers for
//! a regressor — plus `"probabilities": [[...], ...]` (one list per row, in the
//! model's class order) for a classifier; or `{"error": "..."}` when the line is
//! not a valid request or a row does not fit the model (the message names the
//! row and the column).

use mlg_runtime::{Model, Predictions, Row, Value};
use serde_json::{Map, Value as Json};
use std::fmt::Write;

/// Answers one request line with one response line (no trailing newline).
pub fn answer(model: &Model, line: &str) -> String {
    let request: Json = match serde_json::from_str(line) {
        Ok(request) => request,
        Err(e) => return error_line(None, &format!("malformed JSON: {e}")),
    };
    let id = request.get("id");
    match rows_of(&request).and_then(|rows| model.predict(&rows).map_err(|e| e.to_string())) {
        Ok(predictions) => response_line(id, &predictions),
        Err(message) => error_line(id, &message),
    }
}

/// The rows of a request object.
fn rows_of(request: &Json) -> Result<Vec<Row>, String> {
    let Some(rows) = request.get("rows") else {
        return Err("expected an object with a `rows` array".to_string());
    };
    let Json::Array(rows) = rows else {
        return Err("`rows` must be an array of objects".to_string());
    };
    rows.iter()
        .enumerate()
        .map(|(index, row)| match row {
            Json::Object(fields) => row_of(fields, index),
            _ => Err(format!("rows[{index}] must be an object of column values")),
        })
        .collect()
}

/// One row object as a [`Row`].
fn row_of(fields: &Map<String, Json>, index: usize) -> Result<Row, String> {
    let mut row = Row::with_capacity(fields.len());
    for (name, value) in fields {
        let value = match value {
            Json::Number(n) => match n.as_f64() {
                Some(v) => Value::Number(v),
                None => {
                    return Err(format!(
                        "rows[{index}]: column `{name}`: {n} is not a number mlg can read"
                    ))
                }
            },
            Json::String(s) => Value::Text(s.clone()),
            Json::Null => Value::Missing,
            other => {
                let kind = match other {
                    Json::Bool(_) => "a boolean",
                    Json::Array(_) => "an array",
                    _ => "an object",
                };
                return Err(format!(
                    "rows[{index}]: column `{name}` holds {kind}; use a number, a string or null"
                ));
            }
        };
        row.set(name.clone(), value);
    }
    Ok(row)
}

/// `{"id": ..., "predictions": [...], "probabilities": [[...]]}`.
fn response_line(id: Option<&Json>, predictions: &Predictions) -> String {
    let mut out = String::from("{");
    push_id(&mut out, id);
    out.push_str("\"predictions\":[");
    for row in 0..predictions.n_rows {
        if row > 0 {
            out.push(',');
        }
        match predictions.class(row) {
            Some(label) => out.push_str(&Json::from(label).to_string()),
            None if predictions.is_classification() => out.push_str("null"),
            None => push_number(&mut out, predictions.value(row)),
        }
    }
    out.push(']');
    if predictions.is_classification() {
        out.push_str(",\"probabilities\":[");
        for row in 0..predictions.n_rows {
            if row > 0 {
                out.push(',');
            }
            out.push('[');
            for (i, p) in predictions
                .probabilities(row)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                if i > 0 {
                    out.push(',');
                }
                push_number(&mut out, Some(*p));
            }
            out.push(']');
        }
        out.push(']');
    }
    out.push('}');
    out
}

/// `{"id": ..., "error": "..."}`.
pub fn error_line(id: Option<&Json>, message: &str) -> String {
    let mut out = String::from("{");
    push_id(&mut out, id);
    let _ = write!(out, "\"error\":{}}}", Json::from(message));
    out
}

/// Writes `"id":...,` when the request had an id.
fn push_id(out: &mut String, id: Option<&Json>) {
    if let Some(id) = id {
        let _ = write!(out, "\"id\":{id},");
    }
}

/// An `f32` in its shortest form that reads back to the same value; `null` for
/// NaN, infinities and absent values (JSON has no such numbers).
fn push_number(out: &mut String, value: Option<f32>) {
    match value {
        Some(v) if v.is_finite() => {
            let _ = write!(out, "{v}");
        }
        _ => out.push_str("null"),
    }
}
