//! Name → operator constructors: the runtime calls [`transform`] and [`estimator`]
//! with checked parameters (defaults filled in by the checker) to get configured
//! operators — each looks the name up in the operator definitions
//! ([`crate::operators`]) and calls its constructor — plus typed accessors for
//! reading those parameters.

use crate::op::{Estimator, OpError, Transform};
use crate::operators::{find, Build};
use mlg_compiler::workflow::catalog::{Params, Value};

/// Builds the features step called `name` (any catalog operator of kind
/// features step) from its checked parameters. A name that is not a features
/// step gives [`OpError::Invalid`] "unknown features step"; ill-typed or
/// out-of-range parameters give the step's own [`OpError::Invalid`].
pub fn transform(name: &str, params: &Params) -> Result<Box<dyn Transform>, OpError> {
    match find(name).map(|def| def.build) {
        Some(Build::Transform(build)) => build(params),
        _ => Err(invalid(name, "unknown features step")),
    }
}

/// Builds the model called `name` (any catalog operator of kind model) from
/// its checked parameters. A name that is not a model gives
/// [`OpError::Invalid`] "unknown model"; ill-typed or out-of-range parameters
/// give the model's own [`OpError::Invalid`].
pub fn estimator(name: &str, params: &Params) -> Result<Box<dyn Estimator>, OpError> {
    match find(name).map(|def| def.build) {
        Some(Build::Estimator(build)) => build(params),
        _ => Err(invalid(name, "unknown model")),
    }
}

/// An [`OpError::Invalid`] for operator `op`.
pub(crate) fn invalid(op: &str, message: impl Into<String>) -> OpError {
    OpError::Invalid {
        op: op.to_string(),
        message: message.into(),
    }
}

/// An [`OpError::Column`] for operator `op` and column `column`.
pub(crate) fn column_error(op: &str, column: &str, message: impl Into<String>) -> OpError {
    OpError::Column {
        op: op.to_string(),
        column: column.to_string(),
        message: message.into(),
    }
}

fn wrong_type(op: &str, name: &str, expected: &str, got: &Value) -> OpError {
    invalid(op, format!("parameter `{name}` must be {expected}, got {got}"))
}

/// Boolean parameter `name`, or `default` when absent.
pub(crate) fn param_bool(op: &str, params: &Params, name: &str, default: bool) -> Result<bool, OpError> {
    match params.get(name) {
        None => Ok(default),
        Some(v) => v.as_bool().ok_or_else(|| wrong_type(op, name, "a bool", v)),
    }
}

/// Numeric parameter `name` (ints widen), or `default` when absent.
pub(crate) fn param_f64(op: &str, params: &Params, name: &str, default: f64) -> Result<f64, OpError> {
    match params.get(name) {
        None => Ok(default),
        Some(v) => v.as_f64().ok_or_else(|| wrong_type(op, name, "a number", v)),
    }
}

/// Integer parameter `name`, `None` when absent.
pub(crate) fn param_int(op: &str, params: &Params, name: &str) -> Result<Option<i64>, OpError> {
    match params.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| wrong_type(op, name, "an int", v)),
    }
}

/// String parameter `name`, `None` when absent.
pub(crate) fn param_str<'a>(op: &str, params: &'a Params, name: &str) -> Result<Option<&'a str>, OpError> {
    match params.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .map(Some)
            .ok_or_else(|| wrong_type(op, name, "a string", v)),
    }
}

/// Nested model parameter `name` (`model = ridge(alpha = 1.0)`): the model's
/// operator name and checked parameters, `None` when absent.
pub(crate) fn param_model<'a>(
    op: &str,
    params: &'a Params,
    name: &str,
) -> Result<Option<(&'a str, &'a Params)>, OpError> {
    match params.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_model()
            .map(Some)
            .ok_or_else(|| wrong_type(op, name, "a model call", v)),
    }
}
