//! `decision_tree_classifier` and `decision_tree_regressor`: CART trees grown
//! like scikit-learn's `DecisionTreeClassifier` / `DecisionTreeRegressor`,
//! lowered to nested `Select`s. The same growth engine builds the members of
//! random forests and extra trees (`super::forest`).
//!
//! Exact fitting (`splitter = "exact"`) follows scikit-learn's depth-first
//! builder: features are rounded to `f32` first (scikit-learn fits on
//! float32), candidate thresholds are midpoints `a/2 + b/2` between
//! consecutive sorted values that differ by more than `1e-7`, the best split
//! maximises the weighted impurity decrease (scikit-learn's proxy), and rows
//! with `x <= threshold` go left. With `max_features = "all"` every feature is
//! scanned in index order and exact ties go to the lower feature index, then
//! the lower threshold, so the fit is deterministic and needs no seed
//! (scikit-learn visits features in a `random_state` order and keeps the first
//! of tied splits); without exact ties the trees coincide. With fewer features
//! per node, features are drawn in a seeded random order with scikit-learn's
//! stopping rule ([`FeatureSampler`]).
//!
//! `splitter = "hist"` bins every feature once per fit (up to 255 quantile
//! bins, `bins`) and finds splits on per-node histograms (`hist`); `"auto"`
//! (default) uses it from [`AUTO_HIST_ROWS`] rows on. Criteria: `gini`,
//! `entropy` (classifier), `squared_error`, `absolute_error` (regressor; leaf
//! value = weighted median, impurity = mean absolute deviation from it, as in
//! scikit-learn, exact splitter only). `class_weight = "balanced"` weighs every
//! row by `n / (k · n_class)`.
//!
//! Prediction compares `x as f32 <= t32`, where `t32` is the largest `f32` not
//! above the `f64` threshold: for every `f32` input this sends rows the same way
//! as scikit-learn's `f64` comparison, and it is exactly what the lowered graph
//! computes. A NaN feature fails the comparison and goes right.

mod bins;
mod criterion;
mod data;
mod exact;
mod grow;
mod hist;
mod lower;
mod mae;
pub(crate) mod params;
mod partition;
mod prune;
mod ranks;
pub(crate) mod spec;
#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod tests_criteria;
#[cfg(test)]
mod tests_ref;
#[cfg(test)]
mod tests_split;

pub(crate) use data::{class_weights_over, Labels, TreeData};
pub use grow::FeatureSampler;
pub(crate) use lower::{empty_forest, push_tree, push_trees};
pub(crate) use spec::DEFS;

use crate::op::{Estimator, FittedModel, Matrix, OpError, Target};
use mlg_compiler::workflow::catalog::Task;

/// scikit-learn's `FEATURE_THRESHOLD`: sorted values closer than this are equal.
const FEATURE_THRESHOLD: f64 = 1e-7;
/// scikit-learn's `EPSILON` (`np.finfo(np.double).eps`) in the leaf tests.
const EPSILON: f64 = f64::EPSILON;
/// From this many training rows on, `splitter = "auto"` finds splits on
/// histograms. Below it the exact search reproduces scikit-learn's trees and
/// costs little (a depth-10 tree on 20,000 × 20 rows: 0.11 s exact vs 0.04 s
/// hist, release build, `forest::bench::tree_splitter_crossover`); above it
/// sorting dominates (80,000 rows: 0.52 s vs 0.11 s) while 255 quantile bins
/// keep the same test accuracy (0.9125 vs 0.9105).
pub const AUTO_HIST_ROWS: usize = 20_000;

/// The impurity a tree minimises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Criterion {
    /// `1 - Σ p_k²` over class fractions (classifier).
    Gini,
    /// `-Σ p_k log2 p_k` over class fractions (classifier).
    Entropy,
    /// Variance of the target (regressor); leaf value = mean.
    SquaredError,
    /// Mean absolute deviation from the weighted median (regressor); leaf
    /// value = weighted median.
    AbsoluteError,
}

impl Criterion {
    /// True for the classification criteria.
    pub fn is_classifier(self) -> bool {
        matches!(self, Criterion::Gini | Criterion::Entropy)
    }
}

/// How many features each node considers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxFeatures {
    /// `max(1, floor(sqrt(d)))`.
    Sqrt,
    /// `max(1, floor(log2(d)))`.
    Log2,
    /// Every feature (`d`).
    All,
}

impl MaxFeatures {
    /// The number of features for `d` training features (at least 1).
    pub fn count(self, d: usize) -> usize {
        let k = match self {
            MaxFeatures::Sqrt => (d as f64).sqrt().floor() as usize,
            MaxFeatures::Log2 => (d as f64).log2().floor() as usize,
            MaxFeatures::All => d,
        };
        k.clamp(1, d.max(1))
    }
}

/// Per-class row weights of a classifier.
#[derive(Clone, Debug, PartialEq)]
pub enum ClassWeight {
    /// Every row weighs 1.
    None,
    /// scikit-learn's `"balanced"`: a row of class `c` weighs
    /// `n / (k · n_c)` over the training rows (`k` classes present).
    Balanced,
    /// Forests only: `"balanced"` recomputed on each tree's bootstrap sample.
    BalancedSubsample,
    /// `{ label = weight }`: these labels weigh these weights, the others 1.
    Given(Vec<(String, f64)>),
}

impl ClassWeight {
    /// The fixed weight of every label of `y` (`"balanced"` over the rows
    /// of every rank of `comm`), or `None` for no weights and for
    /// `"balanced_subsample"` (drawn per tree).
    pub(crate) fn per_label(
        &self,
        op: &str,
        y: &Target,
        comm: Option<&dyn mlg_runtime::collective::Collective>,
    ) -> Result<Option<Vec<f64>>, OpError> {
        use crate::models::class_weight::ClassWeights;
        let weights = match self {
            ClassWeight::None | ClassWeight::BalancedSubsample => return Ok(None),
            ClassWeight::Balanced => ClassWeights::Balanced,
            ClassWeight::Given(entries) => ClassWeights::Given(entries.clone()),
        };
        weights.per_label(op, y, comm)
    }
}

/// How a node's split is searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Splitter {
    /// Every distinct value of every scanned feature (sorted per node).
    Exact,
    /// Bin edges of per-fit quantile bins, from per-node histograms.
    Hist,
    /// [`Splitter::Hist`] from [`AUTO_HIST_ROWS`] training rows on (and not
    /// for `absolute_error`), [`Splitter::Exact`] below.
    Auto,
    /// Extra trees: one uniform random threshold per scanned feature between
    /// the node's minimum and maximum (set by `extra_trees_*`).
    Random,
}

/// A configured CART tree: `decision_tree_classifier` (criterion `gini` or
/// `entropy`, target = class labels) or `decision_tree_regressor` (criterion
/// `squared_error` or `absolute_error`, numeric target). Parameters:
/// `max_depth` (`>= 1`, absent = unlimited), `min_samples_split` (`>= 2`,
/// default 2), `min_samples_leaf` (`>= 1`, default 1; both count rows, not
/// weights), `min_impurity_decrease` (`>= 0`, default 0.0: a node splits only
/// when `W_node/W_total · (impurity − W_L/W_node · impurity_L − W_R/W_node ·
/// impurity_R) + ε >= min_impurity_decrease`, `W` = summed row weights),
/// `max_features` (`"all"` default, `"sqrt"`, `"log2"`), `class_weight`
/// (classifier: `"none"` default or `"balanced"`), `splitter` (`"auto"`
/// default, `"exact"`, `"hist"`), `seed` (`>= 0`, default 0; only orders the
/// features when `max_features` is below `d`).
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionTree {
    /// Impurity minimised (also decides classifier vs regressor).
    pub criterion: Criterion,
    /// Deepest level (root = 0); `None` = unlimited.
    pub max_depth: Option<usize>,
    /// Fewest rows a node needs to be split (`>= 2`).
    pub min_samples_split: usize,
    /// Fewest rows each child must keep (`>= 1`).
    pub min_samples_leaf: usize,
    /// Smallest weighted impurity decrease a split must achieve (`>= 0`).
    pub min_impurity_decrease: f64,
    /// Features visited per node.
    pub max_features: MaxFeatures,
    /// Row weights per class (classifiers).
    pub class_weight: ClassWeight,
    /// Split search; `Random` for extra-trees members.
    pub splitter: Splitter,
    /// Seed of the feature order when `max_features` is below `d`.
    pub seed: u64,
    /// Minimal cost-complexity pruning strength (`0` = none).
    pub ccp_alpha: f64,
}

/// Catalog name of the classifier.
pub const CLASSIFIER: &str = "decision_tree_classifier";
/// Catalog name of the regressor.
pub const REGRESSOR: &str = "decision_tree_regressor";

impl DecisionTree {
    /// A tree with `criterion` and every other setting at its catalog
    /// default (unlimited depth, all features, no class weights, `auto`).
    pub fn new(criterion: Criterion) -> Self {
        DecisionTree {
            criterion,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            min_impurity_decrease: 0.0,
            max_features: MaxFeatures::All,
            class_weight: ClassWeight::None,
            splitter: Splitter::Auto,
            seed: 0,
            ccp_alpha: 0.0,
        }
    }

    fn op(&self) -> &'static str {
        if self.criterion.is_classifier() {
            CLASSIFIER
        } else {
            REGRESSOR
        }
    }

    /// The split search used for `rows` training rows: `Auto` resolved, and
    /// always `Exact` for `absolute_error` (medians have no histogram form).
    pub fn resolved_splitter(&self, rows: usize) -> Splitter {
        match self.splitter {
            Splitter::Random => Splitter::Random,
            _ if self.criterion == Criterion::AbsoluteError => Splitter::Exact,
            Splitter::Auto if rows >= AUTO_HIST_ROWS => Splitter::Hist,
            Splitter::Auto => Splitter::Exact,
            other => other,
        }
    }
}

impl Estimator for DecisionTree {
    fn task(&self) -> Task {
        if self.criterion.is_classifier() {
            Task::Classification
        } else {
            Task::Regression
        }
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_tree(x, y)?))
    }
}

/// One node of a fitted tree. Children have larger indices than their parent.
#[derive(Clone, Debug, PartialEq)]
pub struct TreeNode {
    /// The split of an internal node, `None` for a leaf.
    pub split: Option<Split>,
    /// Leaf output: class probabilities (one per label) or `[mean]`; also kept
    /// for internal nodes (their training rows' value), as scikit-learn does.
    pub value: Vec<f64>,
    /// The node's impurity under the tree's criterion.
    pub impurity: f64,
    /// Number of training rows that reached the node.
    pub n_samples: usize,
    /// Their total weight (class and bootstrap weights; `n_samples` without).
    pub weight: f64,
}

/// A split: rows with `x[feature] as f32 <= threshold32` go to `left`.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// The feature compared.
    pub feature: usize,
    /// scikit-learn's `f64` threshold (midpoint of two `f32` feature values).
    pub threshold: f64,
    /// The largest `f32` not above `threshold`: the comparison actually used.
    pub threshold32: f32,
    /// The node for rows at or below the threshold.
    pub left: usize,
    /// The node for the other rows (NaN included).
    pub right: usize,
}

/// A fitted tree. Invariant: `nodes[0]` is the root and every split's children
/// exist; classifier leaves hold `n_labels` probabilities, regressor leaves one
/// value.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedTree {
    /// Whether leaves hold class probabilities (else a mean).
    pub classifier: bool,
    /// The input width the tree was fitted on.
    pub n_features: usize,
    /// The nodes, root first.
    pub nodes: Vec<TreeNode>,
    /// scikit-learn's `feature_importances_`: total weighted impurity decrease
    /// per feature, normalised to sum 1 (all zero for a single leaf).
    pub feature_importances: Vec<f64>,
}

impl FittedTree {
    /// The leaf reached by one row (`f32` comparisons; NaN goes right).
    pub fn leaf(&self, row: &[f64]) -> &TreeNode {
        let mut node = &self.nodes[0];
        while let Some(split) = &node.split {
            let v = row.get(split.feature).copied().unwrap_or(f64::NAN) as f32;
            node = &self.nodes[if v <= split.threshold32 {
                split.left
            } else {
                split.right
            }];
        }
        node
    }

    /// Class probabilities (classifier, one per label) or `[value]`, as the
    /// lowered graph stores them before rounding to `f32`.
    pub fn predict_value(&self, row: &[f64]) -> &[f64] {
        &self.leaf(row).value
    }

    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.nodes.iter().filter(|n| n.split.is_none()).count()
    }

    /// Depth of the tree (a single leaf has depth 0).
    pub fn depth(&self) -> usize {
        let mut depth = vec![0usize; self.nodes.len()];
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(s) = &node.split {
                depth[s.left] = depth[i] + 1;
                depth[s.right] = depth[i] + 1;
            }
        }
        depth.into_iter().max().unwrap_or(0)
    }
}

/// Index of the largest `f32`-rounded value, first on ties (the graph's `Argmax`).
fn argmax_f32(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if (v as f32) > (values[best] as f32) {
            best = i;
        }
    }
    best
}
