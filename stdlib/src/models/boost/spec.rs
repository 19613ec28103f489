//! The operator definitions of `gradient_boosting_classifier` and
//! `gradient_boosting_regressor`: their parameters, defaults and docs,
//! constructors and size estimate.

use super::{GradientBoosting, CLASSIFIER, REGRESSOR};
use crate::catalog::{append, p};
use crate::op::boxed_model;
use crate::operators::{Capabilities, OperatorDef};
use crate::size::{int, outputs, NODE};
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamSpec, ParamType, Params, Shape, Task};

/// At least one, no upper bound.
const AT_LEAST_ONE: ParamType = ParamType::Int {
    min: 1,
    max: i64::MAX,
};
/// A fraction in `(0, 1]`.
const FRACTION: ParamType = ParamType::Float {
    min: f64::MIN_POSITIVE,
    max: 1.0,
};
/// A number `>= 0`.
const NON_NEGATIVE: ParamType = ParamType::Float {
    min: 0.0,
    max: f64::INFINITY,
};

const ROUNDS: ParamSpec = p(
    "rounds",
    ParamType::Int { min: 1, max: 100_000 },
    Default::Int(100),
    "boosting rounds (one tree per round, one per class per round for more than two classes)",
);
const LEARNING_RATE: ParamSpec = p(
    "learning_rate",
    ParamType::Float {
        min: f64::MIN_POSITIVE,
        max: f64::INFINITY,
    },
    Default::Float(0.1),
    "shrinkage multiplied into every leaf value",
);
const MAX_LEAF_NODES: ParamSpec = p(
    "max_leaf_nodes",
    ParamType::Int {
        min: 2,
        max: 1_000_000,
    },
    Default::Int(31),
    "most leaves a tree may have",
);
const MAX_DEPTH: ParamSpec = p(
    "max_depth",
    AT_LEAST_ONE,
    Default::Optional,
    "deepest level a tree may grow to (unlimited when left out)",
);
const MIN_SAMPLES_LEAF: ParamSpec = p(
    "min_samples_leaf",
    AT_LEAST_ONE,
    Default::Int(20),
    "fewest training rows each leaf must keep",
);
const L2: ParamSpec = p(
    "l2_regularization",
    NON_NEGATIVE,
    Default::Float(0.0),
    "L2 penalty on leaf values (added to the hessian sum of every leaf)",
);
const MIN_GAIN: ParamSpec = p(
    "min_gain",
    NON_NEGATIVE,
    Default::Float(0.0),
    "a split must reduce the (second-order) loss by more than this",
);
const MAX_BINS: ParamSpec = p(
    "max_bins",
    ParamType::Int { min: 2, max: 255 },
    Default::Int(255),
    "most quantile bins per feature",
);
const GROWTH: ParamSpec = p(
    "growth",
    ParamType::Choice(&["leaf", "depth"]),
    Default::Str("leaf"),
    "\"leaf\": best-first (split the leaf with the largest gain); \"depth\": level by level",
);
const SUBSAMPLE: ParamSpec = p(
    "subsample",
    FRACTION,
    Default::Float(1.0),
    "fraction of the training rows drawn (without replacement) for each round",
);
const COLSAMPLE: ParamSpec = p(
    "colsample",
    FRACTION,
    Default::Float(1.0),
    "fraction of the features drawn for each tree",
);
const EARLY_STOPPING: ParamSpec = p(
    "early_stopping",
    ParamType::Choice(&["auto", "on", "off"]),
    Default::Str("auto"),
    "stop when the held-out loss stops improving; \"auto\": on above 10000 rows",
);
const VALIDATION_FRACTION: ParamSpec = p(
    "validation_fraction",
    ParamType::Float {
        min: f64::MIN_POSITIVE,
        max: 0.9,
    },
    Default::Float(0.1),
    "share of the rows held out to score early stopping (stratified for classifiers)",
);
const N_ITER_NO_CHANGE: ParamSpec = p(
    "n_iter_no_change",
    AT_LEAST_ONE,
    Default::Int(10),
    "stop after this many rounds without an improvement of the held-out loss",
);
const TOL: ParamSpec = p(
    "tol",
    NON_NEGATIVE,
    Default::Float(1e-7),
    "smallest held-out loss decrease that counts as an improvement",
);
const SEED: ParamSpec = p(
    "seed",
    ParamType::Int {
        min: 0,
        max: i64::MAX,
    },
    Default::Int(0),
    "random seed (bin subsample, validation split, row and feature sampling)",
);

const CHECKPOINT_ROUNDS: ParamSpec = p(
    "checkpoint_rounds",
    AT_LEAST_ONE,
    Default::Optional,
    "save a checkpoint every this many rounds when deployed (default: about once a minute); `mlg run --resume` continues from it",
);

/// Parameters both boosting models share, in positional order.
const SHARED_PARAMS: [ParamSpec; 17] = [
    ROUNDS,
    LEARNING_RATE,
    MAX_LEAF_NODES,
    MAX_DEPTH,
    MIN_SAMPLES_LEAF,
    L2,
    MIN_GAIN,
    MAX_BINS,
    GROWTH,
    SUBSAMPLE,
    COLSAMPLE,
    EARLY_STOPPING,
    VALIDATION_FRACTION,
    N_ITER_NO_CHANGE,
    TOL,
    SEED,
    CHECKPOINT_ROUNDS,
];

/// The classifier's: the shared ones plus `class_weight`.
const CLASSIFIER_PARAMS: [ParamSpec; 18] = append(SHARED_PARAMS, crate::models::class_weight::CLASS_WEIGHT);

/// The regressor's: the shared ones plus `loss`.
const REGRESSOR_PARAMS: [ParamSpec; 18] = append(
    SHARED_PARAMS,
    p(
        "loss",
        ParamType::Choice(&["squared_error", "absolute_error"]),
        Default::Str("squared_error"),
        "loss to minimise; absolute_error refits every leaf to the median residual",
    ),
);

/// The reference prose both models share.
const DETAILS: &str =
    "Histogram gradient boosting like scikit-learn's HistGradientBoosting: log-loss for two \
     classes, softmax with one tree per class otherwise. `early_stopping = \"auto\"` turns \
     it on above 10,000 rows. Missing numbers need no `impute`: they get a bin of their own and \
     every split learns which side they go to (the side with more rows where training had none), \
     as in scikit-learn and LightGBM; the compiled trees send a NaN the same way. Categorical \
     columns need no encoder either: each category is a bin, and a split sends a set of \
     categories left, found by sorting them by gradient over hessian (scikit-learn's \
     `categorical_features`, LightGBM's grouping); rare categories (under 10 rows' worth) and \
     categories a node never saw go right, and a column may have at most `max_bins` levels.";

/// Boosted models are tree ensembles that learn where missing values go
/// and split categorical columns natively.
const TREES: Capabilities = Capabilities {
    trees: true,
    missing: true,
    categorical: true,
    ..Capabilities::NONE
};

/// The two models of the boosting family, classifier first.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::estimator(
        OpSpec {
            name: CLASSIFIER,
            kind: OpKind::Model {
                task: Task::Classification,
            },
            summary:
                "histogram gradient-boosted trees, log-loss (scikit-learn's HistGradientBoostingClassifier)",
            params: &CLASSIFIER_PARAMS,
        },
        |params| boxed_model(GradientBoosting::classifier(params)),
    )
    .with_size(size)
    .with_capabilities(TREES)
    .with_details(DETAILS),
    OperatorDef::estimator(
        OpSpec {
            name: REGRESSOR,
            kind: OpKind::Model {
                task: Task::Regression,
            },
            summary: "histogram gradient-boosted trees (scikit-learn's HistGradientBoostingRegressor)",
            params: &REGRESSOR_PARAMS,
        },
        |params| boxed_model(GradientBoosting::regressor(params)),
    )
    .with_size(size)
    .with_capabilities(TREES)
    .with_details(DETAILS),
];

/// `rounds` rounds of one tree per output, each of at most `max_leaf_nodes`
/// leaves (and no more than the rows), so twice as many nodes.
fn size(params: &Params, shape: Shape) -> Option<u128> {
    let leaves = int(params, "max_leaf_nodes", 31).min((shape.rows as u128).max(2));
    Some(
        int(params, "rounds", 100)
            .saturating_mul(outputs(shape))
            .saturating_mul(leaves.saturating_mul(2))
            .saturating_mul(NODE),
    )
}
