//! Response bodies: JSON errors (`{"error": "..."}`) and the `/predict` answer.

use crate::request::RequestError;
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use mlg_runtime::InvalidRow;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// The `Content-Type` of every JSON response.
pub const JSON: &str = "application/json";

/// An error answered with its status and a JSON body.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The message for the client.
    pub message: String,
    /// The column at fault, when there is one.
    pub column: Option<String>,
    /// Whether the connection must close after the response.
    pub close: bool,
}

impl ApiError {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            column: None,
            close: false,
        }
    }
}

impl From<RequestError> for ApiError {
    fn from(e: RequestError) -> ApiError {
        ApiError {
            status: StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
            message: e.message,
            column: e.column,
            close: false,
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<&'a str>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&ErrorBody {
            error: &self.message,
            column: self.column.as_deref(),
        })
        .unwrap_or_else(|_| br#"{"error":"internal error"}"#.to_vec());
        let mut response = json(self.status, body);
        if self.close {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// A response with `status` and a JSON `body`.
pub fn json(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    response
}

/// The `/predict` answer over packed output rows (`width` values per row:
/// `class` then one probability per class for classifiers, `prediction` for
/// regressors): `{"predictions": [...]}`, plus `"probabilities"` and
/// `"classes"` for classifiers.
pub struct Predicted<'a> {
    /// Class labels; empty for a regressor.
    pub classes: &'a [String],
    /// The packed output rows.
    pub values: &'a [f32],
    /// Values per output row.
    pub width: usize,
    /// The rows answered with nulls (`on_invalid=null`), listed under
    /// `"invalid"` as `{"row": i, "reason": "..."}`; the key is absent when
    /// every row was predicted.
    pub invalid: &'a [InvalidRow],
    /// The request's columns the model does not read, listed under
    /// `"ignored_columns"`; the key is absent when there were none.
    pub ignored: &'a [String],
    /// The rows' `id`s, echoed under `"ids"` (null for a row without one);
    /// the key is absent when no row sent one.
    pub ids: &'a [Option<String>],
}

impl Predicted<'_> {
    /// The JSON bytes.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.values.len() * 12 + self.classes.len() * 16);
        // Serializing slices of numbers and strings into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, self);
        out
    }

    fn rows(&self) -> impl Iterator<Item = &[f32]> {
        self.values.chunks_exact(self.width.max(1))
    }
}

impl Serialize for Predicted<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let classifier = !self.classes.is_empty();
        let entries = if classifier { 3 } else { 1 }
            + usize::from(!self.invalid.is_empty())
            + usize::from(!self.ignored.is_empty())
            + usize::from(!self.ids.is_empty());
        let mut map = s.serialize_map(Some(entries))?;
        if !self.ids.is_empty() {
            map.serialize_entry("ids", self.ids)?;
        }
        map.serialize_entry("predictions", &Labels(self))?;
        if classifier {
            map.serialize_entry("probabilities", &Probabilities(self))?;
            map.serialize_entry("classes", self.classes)?;
        }
        if !self.invalid.is_empty() {
            map.serialize_entry("invalid", &Invalid(self.invalid))?;
        }
        if !self.ignored.is_empty() {
            map.serialize_entry("ignored_columns", self.ignored)?;
        }
        map.end()
    }
}

/// The first value of every row: a class label, or the regression value.
struct Labels<'a, 'b>(&'b Predicted<'a>);

impl Serialize for Labels<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut seq = s.serialize_seq(Some(p.values.len() / p.width.max(1)))?;
        for row in p.rows() {
            let first = row[0];
            if p.classes.is_empty() {
                seq.serialize_element(&first)?;
            } else {
                let label = (first >= 0.0 && first.fract() == 0.0)
                    .then(|| p.classes.get(first as usize))
                    .flatten();
                seq.serialize_element(&label)?;
            }
        }
        seq.end()
    }
}

/// The rows answered with nulls, each `{"row": i, "reason": "..."}`.
struct Invalid<'a>(&'a [InvalidRow]);

impl Serialize for Invalid<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for row in self.0 {
            seq.serialize_element(&serde_json::json!({"row": row.row, "reason": row.reason()}))?;
        }
        seq.end()
    }
}

/// The probability rows of a classifier.
struct Probabilities<'a, 'b>(&'b Predicted<'a>);

impl Serialize for Probabilities<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut seq = s.serialize_seq(Some(p.values.len() / p.width.max(1)))?;
        for row in p.rows() {
            seq.serialize_element(&row[1..])?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifier_answers_labels_probabilities_and_classes() {
        let classes = ["a".to_string(), "b".to_string()];
        let values = [1.0, 0.25, 0.75, 0.0, 0.5, 0.5, 7.0, 0.0, 1.0];
        let text = Predicted {
            classes: &classes,
            values: &values,
            width: 3,
            invalid: &[],
            ignored: &[],
            ids: &[],
        }
        .to_vec();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            r#"{"predictions":["b","a",null],"probabilities":[[0.25,0.75],[0.5,0.5],[0.0,1.0]],"classes":["a","b"]}"#
        );
    }

    #[test]
    fn regressor_answers_values_only() {
        let text = Predicted {
            classes: &[],
            values: &[1.5, -0.1, f32::NAN],
            width: 1,
            invalid: &[],
            ignored: &[],
            ids: &[],
        }
        .to_vec();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            r#"{"predictions":[1.5,-0.1,null]}"#
        );
    }
}
