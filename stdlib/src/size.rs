//! Upper estimates of the parameters each model family fits, for the
//! checker's memory cap ([`mlg_compiler::workflow::catalog::Catalog::parameter_count`]).
//! They bound what a fit can hold, not what it usually does: a tree has at
//! most `2 × rows` nodes (fewer under `max_depth`), a kernel SVM at most one
//! support vector per row. A tree node counts as 4 parameters (feature,
//! threshold, children, value).

use crate::models::mlp::parse_hidden;
use mlg_compiler::workflow::catalog::{Params, Shape};

/// Parameters per tree node.
const NODE: u128 = 4;

/// The estimate for model `op`; `None` for operators this module does not size.
pub fn parameter_count(op: &str, params: &Params, shape: Shape) -> Option<u128> {
    let int = |name: &str, default: i64| {
        params
            .get(name)
            .and_then(|v| v.as_i64())
            .unwrap_or(default)
            .max(0) as u128
    };
    let rows = shape.rows as u128;
    let inputs = shape.inputs as u128;
    let outputs = if shape.classes > 2 {
        shape.classes as u128
    } else {
        1
    };
    // Nodes of one tree: at most 2 × rows, and 2^(depth + 1) under `max_depth`.
    let tree_nodes = || {
        let by_rows = rows.saturating_mul(2).max(1);
        match params.get("max_depth").and_then(|v| v.as_i64()) {
            Some(d) if d < 126 => by_rows.min(1u128 << (d.max(0) + 1)),
            _ => by_rows,
        }
    };
    Some(match op {
        "decision_tree_classifier" | "decision_tree_regressor" => tree_nodes().saturating_mul(NODE),
        "random_forest_classifier"
        | "random_forest_regressor"
        | "extra_trees_classifier"
        | "extra_trees_regressor" => int("trees", 100)
            .saturating_mul(tree_nodes())
            .saturating_mul(NODE),
        "gradient_boosting_classifier" | "gradient_boosting_regressor" => {
            let leaves = int("max_leaf_nodes", 31).min(rows.max(2));
            int("rounds", 100)
                .saturating_mul(outputs)
                .saturating_mul(leaves.saturating_mul(2))
                .saturating_mul(NODE)
        }
        "mlp_classifier" | "mlp_regressor" => {
            let text = params.get("hidden").and_then(|v| v.as_str()).unwrap_or("100");
            let hidden = parse_hidden(op, text).ok()?;
            let mut widths = vec![inputs];
            widths.extend(hidden.iter().map(|&h| h as u128));
            widths.push(outputs);
            // Weights and biases, and as much again for the optimizer's state.
            widths
                .windows(2)
                .fold(0u128, |sum, w| {
                    sum.saturating_add(w[0].saturating_add(1).saturating_mul(w[1]))
                })
                .saturating_mul(3)
        }
        "svm" | "svr" => rows.saturating_mul(inputs.saturating_add(2)),
        _ => inputs.saturating_add(1).saturating_mul(outputs),
    })
}
