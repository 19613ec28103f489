//! The compression steps of `compress NAME = MODEL -> step ...`: their
//! operator definitions, and how each one applies — `prune(ccp_alpha = a)`
//! prunes decision trees while they are fitted, the others rewrite the fitted
//! inference graph with the compiler's opt-in transforms. Which models a step
//! applies to is each model's [`Capabilities`] in its operator definition.

pub mod budget;

use crate::catalog::p;
use crate::operators::{Capabilities, OperatorDef};
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamType, Params, Value};

/// Fraction of weights or units to remove: strictly between 0 and 1.
const FRACTION: ParamType = ParamType::Float {
    min: 1e-9,
    max: 0.999_999,
};

/// The compression steps, in catalog order.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::spec(OpSpec {
        name: "quantize",
        kind: OpKind::Compress,
        summary: "int8 weights with one f32 scale per output row for linear layers and MLPs, \
                  optionally computed in int8; u16 thresholds and int8 or f16 leaves for trees",
        params: &[
            p(
                "format",
                ParamType::Choice(&["int8", "f16"]),
                Default::Str("int8"),
                "the number format of the weights (f16: tree leaves only)",
            ),
            p(
                "activations",
                ParamType::Choice(&["f32", "static", "dynamic"]),
                Default::Optional,
                "f32: int8 weights, f32 sums; static: inputs to bytes with scales calibrated on \
                 training rows, integer sums; dynamic: byte scales from every row at run time",
            ),
            p(
                "calibrate",
                ParamType::Int {
                    min: 1,
                    max: 1_000_000,
                },
                Default::Optional,
                "training rows that calibrate static activation scales (implies static; 1000 when \
                 static is given alone)",
            ),
        ],
    })
    .with_details(
        "Each linear layer (linear and logistic models, every MLP layer) gets int8 weights scaled by \
         `max |w| / 127` per output row. By default (`activations = \"f32\"`) it becomes a `qaffine` \
         op summed in f32: smaller, not faster. With `calibrate = n` or `activations = \"static\"` \
         it becomes an `i8affine` op: its input is quantized to unsigned bytes with a scale and zero \
         point from the smallest and largest value it took on `n` evenly spaced training rows \
         (inputs beyond that range are clipped), weights times bytes are summed in 32-bit integers \
         (AVX-VNNI `vpdpbusd` where the CPU has it) and dequantized once per output. \
         `activations = \"dynamic\"` takes the range from each row at run time instead. \
         On a tree model (decision tree, forest, boosting) it becomes a `qtrees` op: each feature's \
         distinct thresholds become its bin edges, a row is binned once per feature and every split \
         compares `u16` bin indices in 8-byte node records (the same decisions as before); leaves are \
         `int8` with one scale per tree (`max |leaf| / 127`) or, with `\"f16\"`, half precision \
         (an ensemble whose leaves exceed 65504 stays f32).",
    ),
    OperatorDef::spec(OpSpec {
        name: "prune",
        kind: OpKind::Compress,
        summary: "unstructured magnitude pruning of weights, structured pruning of MLP units or \
                  forest trees, or cost-complexity pruning of decision trees (give exactly one)",
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
            p(
                "trees",
                FRACTION,
                Default::Optional,
                "share of a fitted forest's trees removed, keeping the subset closest to the whole forest",
            ),
            p(
                "finetune",
                ParamType::Int {
                    min: 1,
                    max: 1_000_000,
                },
                Default::Optional,
                "with magnitude, on an MLP: epochs retrained after each pruning step, pruned weights held at zero",
            ),
            p(
                "steps",
                ParamType::Int { min: 1, max: 1000 },
                Default::Optional,
                "with finetune: prune gradually in this many steps (Zhu & Gupta's cubic schedule); 1 when left out",
            ),
        ],
    })
    .with_details(
        "`magnitude` applies to every model, `neurons` to models with hidden layers (the MLPs), \
         `ccp_alpha` to decision trees, which it prunes while they are fitted, `trees` to random \
         forests and extra trees. `magnitude` with \
         `finetune = e` on an MLP prunes the trained network and retrains it `e` epochs with the \
         pruned weights held at zero; with `steps = n` it does so `n` times, the pruned share rising as \
         `f (1 - (1 - t/n)^3)` to `f`.",
    ),
    OperatorDef::spec(OpSpec {
        name: "low_rank",
        kind: OpKind::Compress,
        summary: "truncated SVD of every dense layer: a weight matrix whose rank-k form is cheaper \
                  becomes two narrower layers (give rank or energy)",
        params: &[
            p(
                "rank",
                ParamType::Int {
                    min: 1,
                    max: MAX_RANK,
                },
                Default::Optional,
                "singular values kept per layer",
            ),
            p(
                "energy",
                FRACTION,
                Default::Optional,
                "share of each layer's squared singular values kept: the fewest that reach it",
            ),
            p(
                "finetune",
                ParamType::Int {
                    min: 1,
                    max: 1_000_000,
                },
                Default::Optional,
                "with rank, on an MLP: epochs retrained after the factorization, each layer held at its rank",
            ),
        ],
    })
    .with_details(
        "Applies to MLPs and logistic regression. A layer `W` of `out x in` becomes `h = Vkᵀ x` and \
         `y = Uk Sk h + b` from its SVD `W = U S Vᵀ` (the best rank-k approximation), when that costs \
         fewer multiply-adds: `k (in + out) < in out`; other layers stay as they are, and a model none \
         of whose layers gets cheaper is an error. With `finetune = e` (MLPs, with `rank`), the fitted \
         network's layers are set to their rank-k approximations and trained `e` more epochs, projected \
         back onto rank k after every step, before the split.",
    ),
    OperatorDef::spec(OpSpec {
        name: "distill",
        kind: OpKind::Compress,
        summary: "a smaller student model learns from the teacher's temperature-softened \
                  predictions mixed with the true labels",
        params: &[
            p(
                "student",
                ParamType::Model,
                Default::Optional,
                "the student: a model call with its own input, e.g. mlp_classifier(scaled, hidden = \"16\")",
            ),
            p(
                "temperature",
                ParamType::Float {
                    min: 1e-3,
                    max: 1e3,
                },
                Default::Float(2.0),
                "the teacher's probabilities become p^(1/T), renormalized (softmax of logits / T)",
            ),
            p(
                "alpha",
                ParamType::Float { min: 0.0, max: 1.0 },
                Default::Float(0.7),
                "weight of the teacher's targets; 1 - alpha goes to the true labels",
            ),
            p(
                "augment",
                ParamType::Int {
                    min: 0,
                    max: 10_000_000,
                },
                Default::Int(0),
                "synthetic rows labelled by the teacher, each feature drawn from a training row of the same class",
            ),
            p(
                "seed",
                ParamType::Int {
                    min: 0,
                    max: i64::MAX,
                },
                Default::Int(0),
                "seed of the synthetic rows",
            ),
        ],
    })
    .with_details(
        "The teacher is the stage before `->`: a model, compressed model, search or ensemble. Inside \
         cross-validation it is fitted on each training fold only (its own fit of that fold when the \
         workflow evaluates it too). The student is fitted on the same rows plus `augment` synthetic \
         ones. Classifier students with soft targets (`mlp_classifier`) learn the mix \
         `alpha · softmax(z / T) + (1 - alpha) · onehot(y)` by cross-entropy; other classifiers learn \
         its most likely class; regressors learn `alpha · teacher + (1 - alpha) · y`. Synthetic rows \
         carry only the teacher's targets. Steps after `distill` compress the student.",
    ),
    OperatorDef::spec(OpSpec {
        name: "budget",
        kind: OpKind::Compress,
        summary: "the automatic choice: tries the steps that apply to the model at several strengths \
                  and keeps the smallest (or fastest) variant within an accuracy and latency budget",
        params: &[
            p(
                "accuracy_drop",
                ParamType::Float {
                    min: 0.0,
                    max: f64::INFINITY,
                },
                Default::Float(0.005),
                "most the metric may fall below the uncompressed model's (rise, for an error metric)",
            ),
            p(
                "latency_us",
                ParamType::Float {
                    min: 1e-9,
                    max: f64::INFINITY,
                },
                Default::Optional,
                "most microseconds a single-row call of the compiled function may take",
            ),
            p(
                "objective",
                ParamType::Choice(&["size", "latency"]),
                Default::Str("size"),
                "what the chosen variant minimizes among those within the budget",
            ),
            p(
                "metric",
                ParamType::Str,
                Default::Optional,
                "the metric the budget is measured in (the task's first default metric when left out)",
            ),
        ],
    })
    .with_details(
        "Must be the only step. `cv = method(...)` (default `kfold()`) gives the validation folds. The \
         candidates are the model itself and its variants: `quantize(\"int8\")` for every model; \
         `quantize(\"f16\")` and, for forests, `prune(trees = 0.5)` for tree models; for the others \
         `quantize(\"int8\", activations = \"static\")`, `prune(magnitude = 0.5 | 0.8)`, \
         `prune(neurons = 0.3)` (MLPs) and `low_rank(energy = 0.9 | 0.95)` (MLPs, multinomial \
         logistic regression); every pruning or factorization also followed by `quantize(\"int8\")`. \
         Each is scored on the same folds, reusing the model's fit of each fold, with its compiled \
         size and single-row latency. The choice is the smallest (`objective = \"size\"`) or fastest \
         candidate whose score is within `accuracy_drop` of the model's and whose latency is within \
         `latency_us`; ties go to the better score. A candidate whose step cannot apply to the fitted \
         model (a layer that factorization would not make cheaper) is reported and left out. When no \
         candidate meets the budget, the run stops with every candidate's figures.",
    ),
];

/// The largest rank `low_rank` accepts as a transform amount (exactly
/// representable in `f64`).
const MAX_RANK: i64 = 1_000_000;

/// What one checked compression step does.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Fit parameters of the model set before fitting: `ccp_alpha` of a
    /// decision tree, or an MLP's pruning with fine-tuning
    /// (`crate::models::PRUNE_MAGNITUDE` and the others).
    FitParams(Vec<(&'static str, Value)>),
    /// A compiler transform by name (`mlg_compiler::passes::transform`) with
    /// its amount.
    Transform(&'static str, Option<f64>),
    /// Fit parameters, then a compiler transform on the model they fit
    /// (`low_rank(rank = k, finetune = e)`: the fit ends at rank `k`, which
    /// the `low-rank` transform then splits).
    FitThenTransform(Vec<(&'static str, Value)>, &'static str, Option<f64>),
}

/// The step a checked `quantize`/`prune` call performs on a model of catalog
/// name `model`, or why it cannot apply: `prune(ccp_alpha = ...)` needs a
/// model with [`Capabilities::prune_ccp`], `prune(neurons = ...)` one with
/// [`Capabilities::prune_neurons`] (a name outside the catalog has neither).
pub fn step(op: &str, params: &Params, model: &str) -> Result<Step, String> {
    let capabilities = crate::operators::find(model).map_or(Capabilities::NONE, |def| def.capabilities);
    let float = |name: &str| match params.get(name) {
        Some(Value::Float(v)) => Some(*v),
        Some(Value::Int(v)) => Some(*v as f64),
        _ => None,
    };
    match op {
        "quantize" => {
            let format = match params.get("format") {
                Some(Value::Str(f)) => f.as_str(),
                _ => "int8",
            };
            let activations = params.get("activations");
            let computed = activations.is_some_and(|a| *a != Value::Str("f32".into())) || float("calibrate").is_some();
            match format {
                "f16" if activations.is_some() || float("calibrate").is_some() => Err(
                    "quantize(\"f16\") stores tree leaves in half precision: activations and calibrate \
                     apply to int8 dense layers"
                        .into(),
                ),
                "f16" if !capabilities.trees => Err(format!(
                    "quantize(\"f16\") stores tree leaves in half precision, but the model is `{model}`"
                )),
                "f16" => Ok(Step::Transform("quantize-f16", None)),
                _ if computed && capabilities.trees => Err(format!(
                    "quantize(activations/calibrate) computes dense layers in int8, but `{model}` is a tree \
                     model: quantize(\"int8\") gives it u16 thresholds and int8 leaves"
                )),
                _ => quantize(activations, float("calibrate")),
            }
        }
        "prune" => {
            let given: Vec<(&'static str, f64)> = ["magnitude", "neurons", "ccp_alpha", "trees"]
                .into_iter()
                .filter_map(|k| float(k).map(|v| (k, v)))
                .collect();
            let steps = float("steps").unwrap_or(1.0);
            match (given.as_slice(), float("finetune")) {
                ([("magnitude", f)], Some(e)) if capabilities.finetune => Ok(Step::FitParams(vec![
                    (crate::models::PRUNE_MAGNITUDE, Value::Float(*f)),
                    (crate::models::PRUNE_FINETUNE, Value::Int(e as i64)),
                    (crate::models::PRUNE_STEPS, Value::Int(steps as i64)),
                ])),
                ([("magnitude", _)], Some(_)) => Err(format!(
                    "prune(finetune = ...) retrains the pruned weights of an MLP, but the model is `{model}`"
                )),
                (_, Some(_)) => Err("finetune applies to prune(magnitude = ...)".into()),
                (_, None) if steps > 1.0 => Err(
                    "prune(steps = ...) prunes gradually between fine-tuning epochs: give finetune too"
                        .into(),
                ),
                (given, None) => prune_once(given, capabilities, model),
            }
        }
        "low_rank" if !capabilities.low_rank => Err(format!(
            "low_rank factorizes the dense weight matrices of MLPs and logistic regression, but the \
             model is `{model}`"
        )),
        "low_rank" => match (params.get("rank"), float("energy")) {
            (Some(Value::Int(k)), None) if (1..=MAX_RANK).contains(k) => match float("finetune") {
                None => Ok(Step::Transform("low-rank", Some(*k as f64))),
                Some(e) if capabilities.finetune => Ok(Step::FitThenTransform(
                    vec![
                        (crate::models::LOW_RANK_RANK, Value::Int(*k)),
                        (crate::models::LOW_RANK_FINETUNE, Value::Int(e as i64)),
                    ],
                    "low-rank",
                    Some(*k as f64),
                )),
                Some(_) => Err(format!(
                    "low_rank(finetune = ...) retrains the factorized layers of an MLP, but the model is `{model}`"
                )),
            },
            (None, Some(_)) if params.contains_key("finetune") => {
                Err("low_rank(finetune = ...) holds each layer at one rank: give rank, not energy".into())
            }
            (None, Some(e)) if e > 0.0 && e < 1.0 => Ok(Step::Transform("low-rank", Some(e))),
            (None, None) => Err("low_rank needs one of rank or energy, e.g. low_rank(rank = 16)".into()),
            (Some(_), Some(_)) => Err("low_rank takes exactly one of rank or energy".into()),
            _ => {
                Err("low_rank takes a whole rank of at least 1 or an energy strictly between 0 and 1".into())
            }
        },
        "distill" => Err("distill must be the first step of a `compress` statement".into()),
        "budget" => Err("budget(...) chooses the steps itself: it must be the only step of a `compress` statement".into()),
        other => Err(format!("`{other}` is not a compression step")),
    }
}

/// Training rows a static `quantize` calibrates on when `calibrate` is not
/// given.
pub const CALIBRATION_ROWS: usize = 1000;

/// The step of `quantize(...)` with its `activations` and `calibrate`.
fn quantize(activations: Option<&Value>, calibrate: Option<f64>) -> Result<Step, String> {
    let activations = match activations {
        Some(Value::Str(a)) => Some(a.as_str()),
        _ => None,
    };
    match (activations, calibrate) {
        (None | Some("f32"), None) => Ok(Step::Transform("quantize-int8", None)),
        (Some("dynamic"), None) => Ok(Step::Transform("quantize-int8-dynamic", None)),
        (None | Some("static"), Some(n)) => Ok(Step::Transform("quantize-int8-static", Some(n))),
        (Some("static"), None) => Ok(Step::Transform(
            "quantize-int8-static",
            Some(CALIBRATION_ROWS as f64),
        )),
        (Some(other), Some(_)) => Err(format!(
            "quantize(calibrate = ...) calibrates static activation scales, but activations = \"{other}\""
        )),
        (Some(other), None) => Err(format!("quantize has no activations = \"{other}\"")),
    }
}

/// The step of `prune(...)` without `finetune`: `given` holds the one of
/// `magnitude`, `neurons` and `ccp_alpha` written (or none, or several).
fn prune_once(
    given: &[(&'static str, f64)],
    capabilities: Capabilities,
    model: &str,
) -> Result<Step, String> {
    match given {
        [("ccp_alpha", a)] if capabilities.prune_ccp => {
            Ok(Step::FitParams(vec![("ccp_alpha", Value::Float(*a))]))
        }
        [("ccp_alpha", _)] => Err(format!(
            "prune(ccp_alpha = ...) prunes decision trees, but the model is `{model}`"
        )),
        [("magnitude", f)] => Ok(Step::Transform("prune-magnitude", Some(*f))),
        [("neurons", f)] if capabilities.prune_neurons => Ok(Step::Transform("prune-neurons", Some(*f))),
        [("neurons", _)] => Err(format!(
            "prune(neurons = ...) removes hidden units of an MLP, but the model is `{model}`"
        )),
        [("trees", f)] if capabilities.prune_trees => {
            Ok(Step::FitParams(vec![(crate::models::PRUNE_TREES, Value::Float(*f))]))
        }
        [("trees", _)] => Err(format!(
            "prune(trees = ...) removes whole trees of a random forest or extra trees, but the model is `{model}`"
        )),
        [] => Err(
            "prune needs one of magnitude, neurons, ccp_alpha or trees, e.g. prune(magnitude = 0.5)".into(),
        ),
        _ => Err("prune takes exactly one of magnitude, neurons, ccp_alpha or trees".into()),
    }
}
