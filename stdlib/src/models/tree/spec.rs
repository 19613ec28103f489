//! Catalog entries of the tree family: decision trees, random forests and
//! extra trees (classifier and regressor each), with their shared parameters.

use crate::catalog::{p, POSITIVE, SEED};
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamSpec, ParamType, Task};

const TREE_MAX_DEPTH: ParamSpec = p(
    "max_depth",
    ParamType::Int {
        min: 1,
        max: i64::MAX,
    },
    Default::Optional,
    "deepest level a tree may grow to (unlimited when left out)",
);
const TREE_MIN_SAMPLES_SPLIT: ParamSpec = p(
    "min_samples_split",
    ParamType::Int {
        min: 2,
        max: i64::MAX,
    },
    Default::Int(2),
    "fewest rows a node needs to be split",
);
const TREE_MIN_SAMPLES_LEAF: ParamSpec = p(
    "min_samples_leaf",
    ParamType::Int {
        min: 1,
        max: i64::MAX,
    },
    Default::Int(1),
    "fewest rows each side of a split must keep",
);
const TREE_MIN_IMPURITY_DECREASE: ParamSpec = p(
    "min_impurity_decrease",
    POSITIVE,
    Default::Float(0.0),
    "smallest weighted impurity decrease a split must achieve",
);
const TREE_CCP_ALPHA: ParamSpec = p(
    "ccp_alpha",
    POSITIVE,
    Default::Float(0.0),
    "minimal cost-complexity pruning: cut subtrees whose effective alpha is at most this",
);
const TREE_CLASSIFIER_CRITERION: ParamSpec = p(
    "criterion",
    ParamType::Choice(&["gini", "entropy"]),
    Default::Str("gini"),
    "impurity to minimise",
);
const TREE_REGRESSOR_CRITERION: ParamSpec = p(
    "criterion",
    ParamType::Choice(&["squared_error", "absolute_error"]),
    Default::Str("squared_error"),
    "impurity to minimise (absolute_error: median leaves, exact splitter)",
);
const TREE_MAX_FEATURES_CHOICES: ParamType = ParamType::Choice(&["sqrt", "log2", "all"]);
const TREE_MAX_FEATURES_DOC: &str = "features considered at each split: sqrt(d), log2(d) or all d";
const TREE_MAX_FEATURES_ALL: ParamSpec = p(
    "max_features",
    TREE_MAX_FEATURES_CHOICES,
    Default::Str("all"),
    TREE_MAX_FEATURES_DOC,
);
const TREE_MAX_FEATURES_SQRT: ParamSpec = p(
    "max_features",
    TREE_MAX_FEATURES_CHOICES,
    Default::Str("sqrt"),
    TREE_MAX_FEATURES_DOC,
);
const TREE_CLASS_WEIGHT: ParamSpec = p(
    "class_weight",
    ParamType::Choice(&["none", "balanced"]),
    Default::Str("none"),
    "row weights per class: none, or balanced (n / (classes * class count))",
);
const TREE_FOREST_CLASS_WEIGHT: ParamSpec = p(
    "class_weight",
    ParamType::Choice(&["none", "balanced", "balanced_subsample"]),
    Default::Str("none"),
    "row weights per class: none, balanced (whole training set) or balanced_subsample (each tree's bootstrap sample)",
);
const TREE_SPLITTER: ParamSpec = p(
    "splitter",
    ParamType::Choice(&["auto", "exact", "hist"]),
    Default::Str("auto"),
    "split search: exact (every distinct value), hist (255 quantile bins), auto (hist from 20000 rows on)",
);
const TREE_TREES: ParamSpec = p(
    "trees",
    ParamType::Int { min: 1, max: 100_000 },
    Default::Int(100),
    "number of trees averaged",
);
const TREE_BOOTSTRAP: ParamSpec = p(
    "bootstrap",
    ParamType::Bool,
    Default::Bool(true),
    "fit each tree on rows drawn with replacement",
);
const TREE_NO_BOOTSTRAP: ParamSpec = p(
    "bootstrap",
    ParamType::Bool,
    Default::Bool(false),
    "fit each tree on rows drawn with replacement",
);
const TREE_OOB_SCORE: ParamSpec = p(
    "oob_score",
    ParamType::Bool,
    Default::Bool(false),
    "report the out-of-bag accuracy / R2 (needs bootstrap)",
);

/// The tree family's catalog section.
pub(crate) static SPECS: &[OpSpec] = &[
    OpSpec {
        name: "decision_tree_classifier",
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
    OpSpec {
        name: "decision_tree_regressor",
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
    OpSpec {
        name: "random_forest_classifier",
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
        ],
    },
    OpSpec {
        name: "random_forest_regressor",
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
        ],
    },
    OpSpec {
        name: "extra_trees_classifier",
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
        ],
    },
    OpSpec {
        name: "extra_trees_regressor",
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
        ],
    },
];
