//! The compression steps of `compress NAME = MODEL -> step ...`: their catalog
//! entries, and how each one applies — `prune(ccp_alpha = a)` prunes decision
//! trees while they are fitted, the others rewrite the fitted inference graph
//! with the compiler's opt-in transforms.

use crate::catalog::p;
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamType, Params, Value};

/// Fraction of weights or units to remove: strictly between 0 and 1.
const FRACTION: ParamType = ParamType::Float {
    min: 1e-9,
    max: 0.999_999,
};

/// The compression steps' catalog section.
pub(crate) static SPECS: &[OpSpec] = &[
    OpSpec {
        name: "quantize",
        kind: OpKind::Compress,
        summary: "int8 weights with one f32 scale per output row for linear layers and MLPs",
        params: &[p(
            "format",
            ParamType::Choice(&["int8"]),
            Default::Str("int8"),
            "the number format of the weights",
        )],
    },
    OpSpec {
        name: "prune",
        kind: OpKind::Compress,
        summary: "unstructured magnitude pruning of weights, structured pruning of MLP units, \
                  or cost-complexity pruning of decision trees (give exactly one)",
        params: &[
            p(
                "magnitude",
                FRACTION,
                Default::Optional,
                "share of each layer's weights with the smallest magnitude set to zero",
            ),
            p(
                "neurons",
                FRACTION,
                Default::Optional,
                "share of each hidden layer's units (smallest outgoing weights) removed",
            ),
            p(
                "ccp_alpha",
                ParamType::Float {
                    min: 1e-12,
                    max: f64::INFINITY,
                },
                Default::Optional,
                "minimal cost-complexity pruning strength of a decision tree",
            ),
        ],
    },
];

/// What one checked compression step does.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// A decision-tree parameter set before fitting (`ccp_alpha`).
    TreeParam(&'static str, f64),
    /// A compiler transform by name (`mlg_compiler::passes::transform`) with
    /// its amount.
    Transform(&'static str, Option<f64>),
}

/// Decision-tree models `prune(ccp_alpha = ...)` applies to.
pub const CCP_MODELS: [&str; 2] = ["decision_tree_classifier", "decision_tree_regressor"];

/// The step a checked `quantize`/`prune` call performs on a model of catalog
/// name `model`, or why it cannot apply.
pub fn step(op: &str, params: &Params, model: &str) -> Result<Step, String> {
    let float = |name: &str| match params.get(name) {
        Some(Value::Float(v)) => Some(*v),
        Some(Value::Int(v)) => Some(*v as f64),
        _ => None,
    };
    match op {
        "quantize" => Ok(Step::Transform("quantize-int8", None)),
        "prune" => {
            let given: Vec<(&'static str, f64)> = ["magnitude", "neurons", "ccp_alpha"]
                .into_iter()
                .filter_map(|k| float(k).map(|v| (k, v)))
                .collect();
            match given.as_slice() {
                [("ccp_alpha", a)] if CCP_MODELS.contains(&model) => Ok(Step::TreeParam("ccp_alpha", *a)),
                [("ccp_alpha", _)] => Err(format!(
                    "prune(ccp_alpha = ...) prunes decision trees, but the model is `{model}`"
                )),
                [("magnitude", f)] => Ok(Step::Transform("prune-magnitude", Some(*f))),
                [("neurons", f)] if model.starts_with("mlp_") => {
                    Ok(Step::Transform("prune-neurons", Some(*f)))
                }
                [("neurons", _)] => Err(format!(
                    "prune(neurons = ...) removes hidden units of an MLP, but the model is `{model}`"
                )),
                [] => Err(
                    "prune needs one of magnitude, neurons or ccp_alpha, e.g. prune(magnitude = 0.5)".into(),
                ),
                _ => Err("prune takes exactly one of magnitude, neurons or ccp_alpha".into()),
            }
        }
        other => Err(format!("`{other}` is not a compression step")),
    }
}
