//! The stdlib's analyzer rules: check-time diagnostics that need the
//! operator implementations, run after the compiler's own checks (through
//! [`crate::catalog::StdCatalog`]'s [`Catalog::analyze`]): model and step
//! parameters the catalog's types cannot rule out, compression steps that
//! cannot apply, every value of a search space, and search objectives ranked
//! against their metric's direction. [`class_count_errors`] needs the loaded
//! data and is called by the executor once the frames are read, as is
//! [`column_warnings`] (ID-like and many-level columns, warnings only).
//!
//! [`Catalog::analyze`]: mlg_compiler::workflow::catalog::Catalog::analyze

mod classes;
mod columns;

pub use classes::class_count_errors;
pub use columns::{column_warnings, MANY_LEVELS};

use mlg_compiler::workflow::stage::{SearchStage, Space, LATENCY_US, SIZE_BYTES};
use mlg_compiler::workflow::trial::{patch, Patch};
use mlg_compiler::workflow::{self, graph::Graph, StageKind};
use mlg_dsl::Diagnostic;

/// Every diagnostic of the analyzer rules for `checked`, a workflow that
/// passed the compiler's checks: `mlg::model_parameters` (an operator's
/// constructor refuses its parameters), then `mlg::compress_step`, then
/// `mlg::search_objectives`, each in graph order. Empty when all is well.
pub fn errors(checked: &workflow::Workflow) -> Vec<Diagnostic> {
    let mut out = model_parameter_errors(checked);
    out.extend(compress_step_errors(checked));
    out.extend(objective_errors(checked));
    out
}

/// One patch per value of each searched parameter (a choice's values, a
/// range's ends), the other parameters left at the tuned stage's own.
fn search_probes(graph: &Graph, se: &SearchStage) -> Vec<Patch> {
    let mut out = Vec::new();
    for (i, dim) in se.space.iter().enumerate() {
        let probes: Vec<Option<workflow::catalog::Value>> = match &dim.space {
            Space::Choice(values) => values.clone(),
            Space::Int { low, high, as_float } => [*low, *high]
                .iter()
                .map(|&v| {
                    Some(if *as_float {
                        workflow::catalog::Value::Float(v as f64)
                    } else {
                        workflow::catalog::Value::Int(v)
                    })
                })
                .collect(),
            Space::Float { low, high, .. } => vec![
                Some(workflow::catalog::Value::Float(*low)),
                Some(workflow::catalog::Value::Float(*high)),
            ],
        };
        for value in probes {
            // Only dimension `i` is set: the others keep the stage's values.
            let single = SearchStage {
                space: vec![se.space[i].clone()],
                ..se.clone()
            };
            if let Ok(p) = patch(graph, &single, &[value]) {
                out.push(p);
            }
        }
    }
    out
}

/// `maximize` of a lower-is-better metric, or `minimize` of a
/// higher-is-better one.
fn objective_errors(checked: &workflow::Workflow) -> Vec<Diagnostic> {
    let graph = &checked.graph;
    let mut out = Vec::new();
    for &id in graph.order() {
        let StageKind::Search(se) = &graph.stage(id).kind else {
            continue;
        };
        for o in &se.objectives {
            let (Some(maximize), false) = (o.maximize, o.name == LATENCY_US || o.name == SIZE_BYTES) else {
                continue;
            };
            let higher = crate::metrics::higher_is_better(&o.name);
            if maximize != higher {
                let (wrote, want) = if maximize {
                    ("maximize", "minimize")
                } else {
                    ("minimize", "maximize")
                };
                out.push(
                    Diagnostic::new(
                        "mlg::search_objectives",
                        format!(
                            "`{}` is better when {}, so it cannot be {wrote}d",
                            o.name,
                            if higher { "higher" } else { "lower" }
                        ),
                        o.span,
                        format!("{wrote} of `{}`", o.name),
                    )
                    .with_help(format!("write {want}(\"{}\")", o.name)),
                );
            }
        }
    }
    out
}

/// A compression step that cannot apply to its model (`prune(ccp_alpha =
/// ...)` on a non-tree, `prune(neurons = ...)` on a non-MLP, no amount) as a
/// `mlg::compress_step` diagnostic underlining the step.
fn compress_step_errors(checked: &workflow::Workflow) -> Vec<Diagnostic> {
    let graph = &checked.graph;
    let mut out = Vec::new();
    for &id in graph.order() {
        let StageKind::Model(m) = &graph.stage(id).kind else {
            continue;
        };
        for step in &m.compress {
            if let Err(message) = crate::compress::step(&step.op, &step.params, &m.op.op) {
                out.push(Diagnostic::new(
                    "mlg::compress_step",
                    message,
                    step.span,
                    format!("`{}` cannot compress `{}`", step.op, m.op.op),
                ));
            }
        }
    }
    out
}

/// Builds every model stage's estimator and every features step once, so
/// that parameter values the catalog's types cannot rule out (a hidden layer
/// of size 0, an L1 penalty with a solver that cannot handle it, a
/// `select_from_model` threshold that does not parse) are reported by `mlg check` with the
/// model call underlined, not when training starts.
fn model_parameter_errors(checked: &workflow::Workflow) -> Vec<Diagnostic> {
    let graph = &checked.graph;
    graph
        .order()
        .iter()
        .map(|&id| graph.stage(id))
        .filter_map(|stage| match &stage.kind {
            // A compressed model repeats its input's call: its steps are
            // checked by `compress_step_errors`.
            StageKind::Model(m) if m.compress.is_empty() => crate::estimator(&m.op.op, &m.op.params)
                .err()
                .map(|e| (m.op.span, m.op.op.clone(), e)),
            // Every features step (a `threshold` that does not parse, ...),
            // with the step underlined.
            StageKind::Features(f) => f.steps.iter().find_map(|step| {
                crate::transform(&step.op.op, &step.op.params)
                    .err()
                    .map(|e| (step.op.span, step.op.op.clone(), e))
            }),
            // Every value of every searched parameter (the others at the
            // tuned stage's own), with the search statement underlined; the
            // first rejected probe is enough.
            StageKind::Search(se) => search_probes(graph, se).into_iter().find_map(|patch| {
                patch.values().find_map(|kind| match kind {
                    StageKind::Model(m) => crate::estimator(&m.op.op, &m.op.params)
                        .err()
                        .map(|e| (stage.span, m.op.op.clone(), e)),
                    StageKind::Features(f) => f.steps.iter().find_map(|step| {
                        crate::transform(&step.op.op, &step.op.params)
                            .err()
                            .map(|e| (stage.span, step.op.op.clone(), e))
                    }),
                    _ => None,
                })
            }),
            // A stacking ensemble's meta-model, with the combiner underlined.
            StageKind::Ensemble(en) => en
                .combiner
                .params
                .get("meta")
                .and_then(|v| v.as_model())
                .and_then(|(op, params)| {
                    crate::estimator(op, params)
                        .err()
                        .map(|e| (en.combiner.span, op.to_string(), e))
                }),
            _ => None,
        })
        .map(|(span, op, e)| {
            let message = match &e {
                crate::op::OpError::Invalid { message, .. } | crate::op::OpError::Column { message, .. } => {
                    message.clone()
                }
                other @ crate::op::OpError::Lowering { .. } => other.to_string(),
            };
            Diagnostic::new(
                "mlg::model_parameters",
                message,
                span,
                format!("`{}` rejects these parameters", op),
            )
        })
        .collect()
}
