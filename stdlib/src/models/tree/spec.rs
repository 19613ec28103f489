//! The decision trees' operator definitions, and the tree parameters the
//! forests (`super::super::forest`) share.

use super::{DecisionTree, CLASSIFIER, REGRESSOR};
use crate::catalog::{p, POSITIVE, SEED};
use crate::op::boxed_model;
use crate::operators::{Capabilities, OperatorDef};
use crate::size::{tree_nodes, NODE};
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamSpec, ParamType, Task};

pub(crate) const TREE_MAX_DEPTH: ParamSpec = p(
    "max_depth",
    ParamType::Int {
        min: 1,
        max: i64::MAX,
    },
    Default::Optional,
    "deepest level a tree may grow to (unlimited when left out)",
);
pub(crate) const TREE_MIN_SAMPLES_SPLIT: ParamSpec = p(
    "min_samples_split",
    ParamType::Int {
        min: 2,
        max: i64::MAX,
    },
    Default::Int(2),
    "fewest rows a node needs to be split",
);
pub(crate) const TREE_MIN_SAMPLES_LEAF: ParamSpec = p(
    "min_samples_leaf",
    ParamType::Int {
        min: 1,
        max: i64::MAX,
    },
    Default::Int(1),
    "fewest rows each side of a split must keep",
);
pub(crate) const TREE_MIN_IMPURITY_DECREASE: ParamSpec = p(
    "min_impurity_decrease",
    POSITIVE,
    Default::Float(0.0),
    "smallest weighted impurity decrease a split must achieve",
);
pub(crate) const TREE_CCP_ALPHA: ParamSpec = p(
    "ccp_alpha",
    POSITIVE,
    Default::Float(0.0),
    "minimal cost-complexity pruning: cut subtrees whose effective alpha is at most this",
);
pub(crate) const TREE_CLASSIFIER_CRITERION: ParamSpec = p(
    "criterion",
    ParamType::Choice(&["gini", "entropy"]),
    Default::Str("gini"),
    "impurity to minimise",
);
pub(crate) const TREE_REGRESSOR_CRITERION: ParamSpec = p(
    "criterion",
    ParamType::Choice(&["squared_error", "absolute_error"]),
    Default::Str("squared_error"),
    "impurity to minimise (absolute_error: median leaves, exact splitter)",
);
const TREE_MAX_FEATURES_CHOICES: ParamType = ParamType::Choice(&["sqrt", "log2", "all"]);
const TREE_MAX_FEATURES_DOC: &str = "features considered at each split: sqrt(d), log2(d) or all d";
pub(crate) const TREE_MAX_FEATURES_ALL: ParamSpec = p(
    "max_features",
    TREE_MAX_FEATURES_CHOICES,
    Default::Str("all"),
    TREE_MAX_FEATURES_DOC,
);
pub(crate) const TREE_MAX_FEATURES_SQRT: ParamSpec = p(
    "max_features",
    TREE_MAX_FEATURES_CHOICES,
    Default::Str("sqrt"),
    TREE_MAX_FEATURES_DOC,
);
pub(crate) const TREE_CLASS_WEIGHT: ParamSpec = p(
    "class_weight",
    ParamType::Weights(&["none", "balanced"]),
    Default::Str("none"),
    "row weights per class: none, balanced (n / (classes * class count)) or a map { label = weight } \
     (labels left out weigh 1)",
);
pub(crate) const TREE_FOREST_CLASS_WEIGHT: ParamSpec = p(
    "class_weight",
    ParamType::Weights(&["none", "balanced", "balanced_subsample"]),
    Default::Str("none"),
    "row weights per class: none, balanced (whole training set; with bootstrap they weigh the draw), \
     balanced_subsample (each tree's bootstrap sample) or a map { label = weight } (labels left out weigh 1)",
);
pub(crate) const TREE_SPLITTER: ParamSpec = p(
    "splitter",
    ParamType::Choice(&["auto", "exact", "hist"]),
    Default::Str("auto"),
    "split search: exact (every distinct value), hist (255 quantile bins), auto (hist from 20000 rows on)",
);
pub(crate) const TREE_TREES: ParamSpec = p(
    "trees",
    ParamType::Int { min: 1, max: 100_000 },
    Default::Int(100),
    "number of trees averaged",
);
pub(crate) const TREE_BOOTSTRAP: ParamSpec = p(
    "bootstrap",
    ParamType::Bool,
    Default::Bool(true),
    "fit each tree on rows drawn with replacement",
);
pub(crate) const TREE_NO_BOOTSTRAP: ParamSpec = p(
    "bootstrap",
    ParamType::Bool,
    Default::Bool(false),
    "fit each tree on rows drawn with replacement",
);
pub(crate) const TREE_OOB_SCORE: ParamSpec = p(
    "oob_score",
    ParamType::Bool,
    Default::Bool(false),
    "report the out-of-bag accuracy / R2 (needs bootstrap)",
);

/// The reference prose both trees share.
const DETAILS: &str = "As scikit-learn's CART, matching its trees node for node (also when pruned with \
                       `ccp_alpha`); the importances are the impurity decreases.";

/// The decision trees' definitions, classifier first.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::estimator(
        OpSpec {
            name: CLASSIFIER,
            kind: OpKind::Model {
                task: Task::Classification,
            },
            summary: "CART classification tree (scikit-learn's DecisionTreeClassifier)",
            params: &[
                TREE_MAX_DEPTH,
                TREE_MIN_SAMPLES_SPLIT,
                TREE_MIN_SAMPLES_LEAF,
                TREE_CLASSIFIER_CRITERION,
                TREE_MIN_IMPURITY_DECREASE,
                TREE_CCP_ALPHA,
                TREE_MAX_FEATURES_ALL,
                TREE_CLASS_WEIGHT,
                TREE_SPLITTER,
                SEED,
            ],
        },
        |params| boxed_model(DecisionTree::classifier(params)),
    )
    .with_capabilities(Capabilities {
        prune_ccp: true,
        trees: true,
        ..Capabilities::NONE
    })
    .with_size(|params, shape| Some(tree_nodes(params, shape).saturating_mul(NODE)))
    .with_details(DETAILS),
    OperatorDef::estimator(
        OpSpec {
            name: REGRESSOR,
            kind: OpKind::Model {
                task: Task::Regression,
            },
            summary: "CART regression tree (scikit-learn's DecisionTreeRegressor)",
            params: &[
                TREE_MAX_DEPTH,
                TREE_MIN_SAMPLES_SPLIT,
                TREE_MIN_SAMPLES_LEAF,
                TREE_REGRESSOR_CRITERION,
                TREE_MIN_IMPURITY_DECREASE,
                TREE_CCP_ALPHA,
                TREE_MAX_FEATURES_ALL,
                TREE_SPLITTER,
                SEED,
            ],
        },
        |params| boxed_model(DecisionTree::regressor(params)),
    )
    .with_capabilities(Capabilities {
        prune_ccp: true,
        trees: true,
        ..Capabilities::NONE
    })
    .with_size(|params, shape| Some(tree_nodes(params, shape).saturating_mul(NODE)))
    .with_details(DETAILS),
];
