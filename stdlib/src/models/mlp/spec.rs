//! The operator definitions of `mlp_classifier` and `mlp_regressor`: catalog
//! entries and parameters, constructors, compression capabilities and size.

use super::{parse_hidden, Mlp, CLASSIFIER, REGRESSOR};
use crate::catalog::{append, p};
use crate::op::boxed_model;
use crate::operators::{Capabilities, OperatorDef};
use crate::size::outputs;
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamSpec, ParamType, Params, Shape, Task};

const POSITIVE: ParamType = ParamType::Float {
    min: 0.0,
    max: f64::INFINITY,
};
const STEP: ParamType = ParamType::Float {
    min: 1e-12,
    max: f64::INFINITY,
};
const COUNT: ParamType = ParamType::Int {
    min: 1,
    max: i64::MAX,
};

/// Parameters of `mlp_classifier`, in positional order.
pub(crate) const CLASSIFIER_PARAMS: [ParamSpec; 14] = [
    p(
        "hidden",
        ParamType::Str,
        Default::Str("100"),
        "hidden layer sizes, comma-separated (\"64,32\")",
    ),
    p(
        "activation",
        ParamType::Choice(&["relu", "tanh", "logistic"]),
        Default::Str("relu"),
        "hidden-layer activation",
    ),
    p(
        "solver",
        ParamType::Choice(&["adam", "sgd"]),
        Default::Str("adam"),
        "weight updates: Adam, or SGD with Nesterov momentum",
    ),
    p(
        "alpha",
        POSITIVE,
        Default::Float(1e-4),
        "L2 penalty on the weights",
    ),
    p("learning_rate", STEP, Default::Float(1e-3), "initial step size"),
    p(
        "schedule",
        ParamType::Choice(&["constant", "invscaling", "adaptive"]),
        Default::Str("constant"),
        "SGD step schedule: constant, step / sqrt(samples seen), or divided by 5 on each plateau",
    ),
    p(
        "momentum",
        ParamType::Float {
            min: 0.0,
            max: 0.999_999,
        },
        Default::Float(0.9),
        "SGD Nesterov momentum",
    ),
    p(
        "batch_size",
        COUNT,
        Default::Int(200),
        "rows per mini-batch (capped at the row count)",
    ),
    p(
        "epochs",
        COUNT,
        Default::Int(200),
        "most passes over the training rows",
    ),
    p(
        "seed",
        ParamType::Int {
            min: 0,
            max: i64::MAX,
        },
        Default::Int(0),
        "random seed (initial weights, shuffling, validation rows)",
    ),
    p(
        "tol",
        POSITIVE,
        Default::Float(1e-4),
        "stop once the loss (or validation score) has not improved by this for 10 epochs",
    ),
    p(
        "early_stopping",
        ParamType::Bool,
        Default::Bool(false),
        "hold out validation_fraction of the rows and stop on their score, keeping the best weights",
    ),
    p(
        "validation_fraction",
        ParamType::Float {
            min: 1e-9,
            max: 0.999_999,
        },
        Default::Float(0.1),
        "share of rows held out for early_stopping (stratified for classifiers)",
    ),
    p(
        "checkpoint_epochs",
        COUNT,
        Default::Optional,
        "save a checkpoint every this many epochs when deployed (default: about once a minute); `mlg run --resume` continues from it",
    ),
];

/// Parameters of `mlp_regressor`: the classifier's plus `scale_target`.
pub(crate) const REGRESSOR_PARAMS: [ParamSpec; 15] = append(
    CLASSIFIER_PARAMS,
    p(
        "scale_target",
        ParamType::Bool,
        Default::Bool(false),
        "fit on the standardised target and undo the scaling in the prediction",
    ),
);

/// The reference prose both perceptrons share.
const DETAILS: &str = "`solver = \"sgd\"` uses Nesterov momentum (`momentum`) and the learning-rate \
                       `schedule`; `early_stopping` holds out `validation_fraction` of the training rows \
                       and keeps the weights of the best validation score.";

/// The two perceptrons' definitions, classifier first.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::estimator(
        OpSpec {
            name: CLASSIFIER,
            kind: OpKind::Model {
                task: Task::Classification,
            },
            summary:
                "multi-layer perceptron classifier trained by mini-batch Adam or SGD (scikit-learn's MLPClassifier)",
            params: &CLASSIFIER_PARAMS,
        },
        |params| boxed_model(Mlp::classifier(params)),
    )
    .with_capabilities(Capabilities {
        prune_neurons: true,
        low_rank: true,
        finetune: true,
        soft_targets: true,
        ..Capabilities::NONE
    })
    .with_size(|params, shape| size(CLASSIFIER, params, shape))
    .with_details(DETAILS),
    OperatorDef::estimator(
        OpSpec {
            name: REGRESSOR,
            kind: OpKind::Model {
                task: Task::Regression,
            },
            summary: "multi-layer perceptron regressor trained by mini-batch Adam or SGD (scikit-learn's MLPRegressor)",
            params: &REGRESSOR_PARAMS,
        },
        |params| boxed_model(Mlp::regressor(params)),
    )
    .with_capabilities(Capabilities {
        prune_neurons: true,
        low_rank: true,
        finetune: true,
        ..Capabilities::NONE
    })
    .with_size(|params, shape| size(REGRESSOR, params, shape))
    .with_details(DETAILS),
];

/// Weights and biases of the layers `inputs, hidden..., outputs`, and as much
/// again twice for the optimiser's state; `None` for a `hidden` list that does
/// not parse (the constructor rejects it).
fn size(op: &str, params: &Params, shape: Shape) -> Option<u128> {
    let text = params.get("hidden").and_then(|v| v.as_str()).unwrap_or("100");
    let hidden = parse_hidden(op, text).ok()?;
    let mut widths = vec![shape.inputs as u128];
    widths.extend(hidden.iter().map(|&h| h as u128));
    widths.push(outputs(shape));
    Some(
        widths
            .windows(2)
            .fold(0u128, |sum, w| {
                sum.saturating_add(w[0].saturating_add(1).saturating_mul(w[1]))
            })
            .saturating_mul(3),
    )
}
