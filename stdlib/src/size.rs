//! Upper estimates of the parameters each model fits, for the checker's
//! memory cap ([`mlg_compiler::workflow::catalog::Catalog::parameter_count`]).
//! Each model family gives its estimate in its operator definition
//! ([`crate::operators::OperatorDef::size`]) with the helpers here; models
//! without one are sized as linear models ([`linear`]). The estimates bound
//! what a fit can hold, not what it usually does: a tree has at most
//! `2 × rows` nodes (fewer under `max_depth`), a kernel SVM at most one
//! support vector per row. A tree node counts as 4 parameters (feature,
//! threshold, children, value).

use mlg_compiler::workflow::catalog::{Params, Shape};

/// Parameters per tree node.
pub(crate) const NODE: u128 = 4;

/// The estimate for model `op`: its definition's, or [`linear`] for models
/// (and names) without one; `None` when the definition cannot estimate these
/// parameters.
pub fn parameter_count(op: &str, params: &Params, shape: Shape) -> Option<u128> {
    match crate::operators::find(op).and_then(|def| def.size) {
        Some(size) => size(params, shape),
        None => Some(linear(shape)),
    }
}

/// A linear model's parameters: one weight per input plus a bias, per
/// output (the classes when there are more than two, else one).
pub fn linear(shape: Shape) -> u128 {
    (shape.inputs as u128)
        .saturating_add(1)
        .saturating_mul(outputs(shape))
}

/// Output units of a model on `shape`: the classes when there are more than
/// two, else 1.
pub(crate) fn outputs(shape: Shape) -> u128 {
    if shape.classes > 2 {
        shape.classes as u128
    } else {
        1
    }
}

/// Integer parameter `name` of `params` (`default` when absent or not an
/// integer), negative values counted as 0.
pub(crate) fn int(params: &Params, name: &str, default: i64) -> u128 {
    params
        .get(name)
        .and_then(|v| v.as_i64())
        .unwrap_or(default)
        .max(0) as u128
}

/// Nodes of one tree: at most `2 × rows` (at least 1), and at most
/// `2^(max_depth + 1)` when the int parameter `max_depth` is set.
pub(crate) fn tree_nodes(params: &Params, shape: Shape) -> u128 {
    let by_rows = (shape.rows as u128).saturating_mul(2).max(1);
    match params.get("max_depth").and_then(|v| v.as_i64()) {
        Some(d) if d < 126 => by_rows.min(1u128 << (d.max(0) + 1)),
        _ => by_rows,
    }
}
