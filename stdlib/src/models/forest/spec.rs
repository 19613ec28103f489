//! The random forests' and extra trees' operator definitions; their tree
//! parameters are the decision trees' (`super::super::tree::spec`).

use super::{RandomForest, CLASSIFIER, EXTRA_CLASSIFIER, EXTRA_REGRESSOR, REGRESSOR};
use crate::catalog::SEED;
use crate::models::tree::spec::{
    TREE_BOOTSTRAP, TREE_CLASSIFIER_CRITERION, TREE_FOREST_CLASS_WEIGHT, TREE_MAX_DEPTH,
    TREE_MAX_FEATURES_ALL, TREE_MAX_FEATURES_SQRT, TREE_MIN_SAMPLES_LEAF, TREE_MIN_SAMPLES_SPLIT,
    TREE_NO_BOOTSTRAP, TREE_OOB_SCORE, TREE_REGRESSOR_CRITERION, TREE_SPLITTER, TREE_TREES,
};
use crate::op::boxed_model;
use crate::operators::{Capabilities, OperatorDef};
use crate::size::{int, tree_nodes, NODE};
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamSpec, ParamType, Params, Shape, Task};

/// How often a deployed fit saves its trees.
const CHECKPOINT_TREES: ParamSpec = crate::catalog::p(
    "checkpoint_trees",
    ParamType::Int { min: 1, max: i64::MAX },
    Default::Optional,
    "save a checkpoint every this many trees when deployed (default: about once a minute); `mlg run --resume` continues from it",
);

/// The reference prose of the random forests.
const FOREST: &str = "Trees are fitted in parallel on one shared binning; `oob_score` reports the \
                      out-of-bag accuracy or R² among the report's fit scores.";

/// The reference prose of the extra trees.
const EXTRA: &str = "As the random forests, but each node draws one uniform random threshold per candidate \
                     feature, and `bootstrap` defaults to false (scikit-learn's ExtraTrees).";

/// The forests' definitions in catalog order: random forests, then extra
/// trees, classifier first.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::estimator(
        OpSpec {
            name: CLASSIFIER,
            kind: OpKind::Model {
                task: Task::Classification,
            },
            summary: "random forest of CART trees (scikit-learn's RandomForestClassifier)",
            params: &[
                TREE_TREES,
                TREE_MAX_DEPTH,
                TREE_MIN_SAMPLES_SPLIT,
                TREE_MIN_SAMPLES_LEAF,
                TREE_MAX_FEATURES_SQRT,
                TREE_BOOTSTRAP,
                SEED,
                TREE_CLASSIFIER_CRITERION,
                TREE_FOREST_CLASS_WEIGHT,
                TREE_SPLITTER,
                TREE_OOB_SCORE,
                CHECKPOINT_TREES,
            ],
        },
        |params| boxed_model(RandomForest::classifier(params)),
    )
    .with_size(size)
    .with_capabilities(Capabilities {
        prune_trees: true,
        trees: true,
        ..Capabilities::NONE
    })
    .with_details(FOREST),
    OperatorDef::estimator(
        OpSpec {
            name: REGRESSOR,
            kind: OpKind::Model {
                task: Task::Regression,
            },
            summary: "random forest of CART trees (scikit-learn's RandomForestRegressor)",
            params: &[
                TREE_TREES,
                TREE_MAX_DEPTH,
                TREE_MIN_SAMPLES_SPLIT,
                TREE_MIN_SAMPLES_LEAF,
                TREE_MAX_FEATURES_ALL,
                TREE_BOOTSTRAP,
                SEED,
                TREE_REGRESSOR_CRITERION,
                TREE_SPLITTER,
                TREE_OOB_SCORE,
                CHECKPOINT_TREES,
            ],
        },
        |params| boxed_model(RandomForest::regressor(params)),
    )
    .with_size(size)
    .with_capabilities(Capabilities {
        prune_trees: true,
        trees: true,
        ..Capabilities::NONE
    })
    .with_details(FOREST),
    OperatorDef::estimator(
        OpSpec {
            name: EXTRA_CLASSIFIER,
            kind: OpKind::Model {
                task: Task::Classification,
            },
            summary:
                "extremely randomized trees: random thresholds per feature (scikit-learn's ExtraTreesClassifier)",
            params: &[
                TREE_TREES,
                TREE_MAX_DEPTH,
                TREE_MIN_SAMPLES_SPLIT,
                TREE_MIN_SAMPLES_LEAF,
                TREE_MAX_FEATURES_SQRT,
                TREE_NO_BOOTSTRAP,
                SEED,
                TREE_CLASSIFIER_CRITERION,
                TREE_FOREST_CLASS_WEIGHT,
                TREE_OOB_SCORE,
                CHECKPOINT_TREES,
            ],
        },
        |params| boxed_model(RandomForest::extra_classifier(params)),
    )
    .with_size(size)
    .with_capabilities(Capabilities {
        prune_trees: true,
        trees: true,
        ..Capabilities::NONE
    })
    .with_details(EXTRA),
    OperatorDef::estimator(
        OpSpec {
            name: EXTRA_REGRESSOR,
            kind: OpKind::Model {
                task: Task::Regression,
            },
            summary:
                "extremely randomized trees: random thresholds per feature (scikit-learn's ExtraTreesRegressor)",
            params: &[
                TREE_TREES,
                TREE_MAX_DEPTH,
                TREE_MIN_SAMPLES_SPLIT,
                TREE_MIN_SAMPLES_LEAF,
                TREE_MAX_FEATURES_ALL,
                TREE_NO_BOOTSTRAP,
                SEED,
                TREE_REGRESSOR_CRITERION,
                TREE_OOB_SCORE,
                CHECKPOINT_TREES,
            ],
        },
        |params| boxed_model(RandomForest::extra_regressor(params)),
    )
    .with_size(size)
    .with_capabilities(Capabilities {
        prune_trees: true,
        trees: true,
        ..Capabilities::NONE
    })
    .with_details(EXTRA),
];

/// `trees` trees of at most [`tree_nodes`] nodes each.
fn size(params: &Params, shape: Shape) -> Option<u128> {
    Some(
        int(params, "trees", 100)
            .saturating_mul(tree_nodes(params, shape))
            .saturating_mul(NODE),
    )
}
