//! `decision_tree_classifier` and `decision_tree_regressor`: CART trees grown
//! like scikit-learn's `DecisionTreeClassifier` / `DecisionTreeRegressor` with
//! `splitter="best"` and `max_features=None`, lowered to nested `Select`s.
//!
//! Fitting follows scikit-learn's depth-first builder: features are rounded to
//! `f32` first (scikit-learn fits on float32), every feature is scanned at every
//! node, candidate thresholds are midpoints `a/2 + b/2` between consecutive
//! sorted values that differ by more than `1e-7`, the best split maximises the
//! weighted impurity decrease (scikit-learn's proxy), and rows with
//! `x <= threshold` go left. Difference from scikit-learn: it visits features in
//! a random order (`random_state`) and keeps the first of exactly tied splits;
//! here ties go to the lower feature index, then the lower threshold, so the
//! fit is deterministic and has no seed. Without exact ties the trees coincide.
//!
//! Prediction compares `x as f32 <= t32`, where `t32` is the largest `f32` not
//! above the `f64` threshold: for every `f32` input this sends rows the same way
//! as scikit-learn's `f64` comparison, and it is exactly what the lowered graph
//! computes. A NaN feature fails the comparison and goes right.

mod grow;
mod lower;

pub use grow::FeatureSampler;
pub(crate) use lower::feature_parts;

use super::check_training_data;
use crate::op::{Estimator, FittedModel, Matrix, OpError, Target};
use crate::registry::{invalid, param_f64, param_int, param_str};
use mlg_compiler::ir::{GraphBuilder, NodeId, Op};
use mlg_compiler::workflow::catalog::{Params, Task};

/// scikit-learn's `FEATURE_THRESHOLD`: sorted values closer than this are equal.
const FEATURE_THRESHOLD: f64 = 1e-7;
/// scikit-learn's `EPSILON` (`np.finfo(np.double).eps`) in the leaf tests.
const EPSILON: f64 = f64::EPSILON;

/// The impurity a tree minimises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Criterion {
    /// `1 - Σ p_k²` over class fractions (classifier).
    Gini,
    /// `-Σ p_k log2 p_k` over class fractions (classifier).
    Entropy,
    /// Variance of the target (regressor).
    SquaredError,
}

/// A configured CART tree: `decision_tree_classifier` (criterion `gini` or
/// `entropy`, target = class labels) or `decision_tree_regressor` (criterion
/// `squared_error`, numeric target). Parameters: `max_depth` (`>= 1`, absent =
/// unlimited), `min_samples_split` (`>= 2`, default 2), `min_samples_leaf`
/// (`>= 1`, default 1), `min_impurity_decrease` (`>= 0`, default 0.0): a node
/// splits only when the split's `n_node/n_total · (impurity − n_L/n_node ·
/// impurity_L − n_R/n_node · impurity_R) + ε >= min_impurity_decrease`.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionTree {
    pub criterion: Criterion,
    pub max_depth: Option<usize>,
    pub min_samples_split: usize,
    pub min_samples_leaf: usize,
    pub min_impurity_decrease: f64,
}

/// Catalog name of the classifier.
pub const CLASSIFIER: &str = "decision_tree_classifier";
/// Catalog name of the regressor.
pub const REGRESSOR: &str = "decision_tree_regressor";

impl DecisionTree {
    /// The classifier from its checked parameters; criterion `gini` (default)
    /// or `entropy`. Out-of-range values are errors.
    pub fn classifier(params: &Params) -> Result<Self, OpError> {
        let criterion = match param_str(CLASSIFIER, params, "criterion")?.unwrap_or("gini") {
            "gini" => Criterion::Gini,
            "entropy" => Criterion::Entropy,
            other => {
                return Err(invalid(
                    CLASSIFIER,
                    format!("criterion must be \"gini\" or \"entropy\", got {other:?}"),
                ))
            }
        };
        Self::with_criterion(CLASSIFIER, params, criterion)
    }

    /// The regressor from its checked parameters; criterion `squared_error`
    /// (the only one). Out-of-range values are errors.
    pub fn regressor(params: &Params) -> Result<Self, OpError> {
        match param_str(REGRESSOR, params, "criterion")?.unwrap_or("squared_error") {
            "squared_error" => Self::with_criterion(REGRESSOR, params, Criterion::SquaredError),
            other => Err(invalid(
                REGRESSOR,
                format!("criterion must be \"squared_error\", got {other:?}"),
            )),
        }
    }

    fn with_criterion(op: &str, params: &Params, criterion: Criterion) -> Result<Self, OpError> {
        let int = |name: &str, min: i64, default: Option<i64>| -> Result<Option<usize>, OpError> {
            match param_int(op, params, name)?.or(default) {
                None => Ok(None),
                Some(v) if v < min => Err(invalid(op, format!("{name} must be at least {min}, got {v}"))),
                Some(v) => Ok(Some(usize::try_from(v).unwrap_or(usize::MAX))),
            }
        };
        let min_impurity_decrease = param_f64(op, params, "min_impurity_decrease", 0.0)?;
        if min_impurity_decrease.is_nan() || min_impurity_decrease < 0.0 {
            return Err(invalid(
                op,
                format!("min_impurity_decrease must be >= 0, got {min_impurity_decrease}"),
            ));
        }
        Ok(DecisionTree {
            criterion,
            max_depth: int("max_depth", 1, None)?,
            min_samples_split: int("min_samples_split", 2, Some(2))?.unwrap_or(2),
            min_samples_leaf: int("min_samples_leaf", 1, Some(1))?.unwrap_or(1),
            min_impurity_decrease,
        })
    }

    fn op(&self) -> &'static str {
        match self.criterion {
            Criterion::SquaredError => REGRESSOR,
            Criterion::Gini | Criterion::Entropy => CLASSIFIER,
        }
    }
}

impl Estimator for DecisionTree {
    fn task(&self) -> Task {
        match self.criterion {
            Criterion::SquaredError => Task::Regression,
            Criterion::Gini | Criterion::Entropy => Task::Classification,
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
}

/// A split: rows with `x[feature] as f32 <= threshold32` go to `left`.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    pub feature: usize,
    /// scikit-learn's `f64` threshold (midpoint of two `f32` feature values).
    pub threshold: f64,
    /// The largest `f32` not above `threshold`: the comparison actually used.
    pub threshold32: f32,
    pub left: usize,
    pub right: usize,
}

/// A fitted tree. Invariant: `nodes[0]` is the root and every split's children
/// exist; classifier leaves hold `n_labels` probabilities, regressor leaves one
/// value.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedTree {
    pub classifier: bool,
    pub n_features: usize,
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

impl FittedModel for FittedTree {
    /// Classifier: the class code with the largest leaf probability (lower
    /// code on ties, compared as `f32` like the graph). Regressor: the leaf mean.
    fn predict(&self, x: &Matrix) -> Vec<f64> {
        (0..x.rows)
            .map(|i| {
                let value = self.predict_value(x.row(i));
                if self.classifier {
                    argmax_f32(value) as f64
                } else {
                    value.first().copied().unwrap_or(f64::NAN)
                }
            })
            .collect()
    }

    /// Nested `Select`s over the width-1 parts of the `features` `Concat`: a
    /// leaf is a `Const` of its value, a split is `Select { cond: Compare(Le,
    /// x_j, Const t32), a: left, b: right }`. Classifier: `("class",
    /// Argmax(proba))`, `("proba", proba)`; regressor: `("prediction", value)`.
    /// Errors when `features` is not a `Concat` of `n_features` width-1 nodes.
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        let op = if self.classifier { CLASSIFIER } else { REGRESSOR };
        let parts = feature_parts(op, builder, features, self.n_features)?;
        let root = self.lower_value(op, builder, &parts)?;
        let lowering = |source| OpError::Lowering {
            op: op.to_string(),
            source,
        };
        if self.classifier {
            let class = builder.push(Op::Argmax { x: root }).map_err(lowering)?;
            Ok(vec![("class".to_string(), class), ("proba".to_string(), root)])
        } else {
            Ok(vec![("prediction".to_string(), root)])
        }
    }

    /// scikit-learn's `feature_importances_` (normalised impurity decrease).
    fn importances(&self) -> Option<Vec<f64>> {
        Some(self.feature_importances.clone())
    }
}
