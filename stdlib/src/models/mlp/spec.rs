//! Catalog parameters of `mlp_classifier` and `mlp_regressor`.

use crate::catalog::{append, p};
use mlg_compiler::workflow::catalog::{Default, ParamSpec, ParamType};

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
pub(crate) const CLASSIFIER_PARAMS: [ParamSpec; 13] = [
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
];

/// Parameters of `mlp_regressor`: the classifier's plus `scale_target`.
pub(crate) const REGRESSOR_PARAMS: [ParamSpec; 14] = append(
    CLASSIFIER_PARAMS,
    p(
        "scale_target",
        ParamType::Bool,
        Default::Bool(false),
        "fit on the standardised target and undo the scaling in the prediction",
    ),
);
